// Latency of the dashboard's runs list (and neighbours) over a big table, one request at a time.
import { summarize } from './stats.js'

const SAMPLES = 100

async function timed (url) {
  const t0 = process.hrtime.bigint()
  const res = await fetch(url)
  const body = await res.json()
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`)
  return { ms, body }
}

async function repeat (url, n = SAMPLES) {
  const values = []
  for (let i = 0; i < n; i++) values.push((await timed(url)).ms)
  return summarize(values)
}

/** Follows nextCursor for `pages` pages, timing each. */
async function walk (base, query, pages) {
  const values = []
  let cursor
  for (let i = 0; i < pages; i++) {
    const params = new URLSearchParams(query)
    if (cursor !== undefined) params.set('cursor', cursor)
    const { ms, body } = await timed(`${base}/api/dashboard/k6/runs?${params}`)
    values.push(ms)
    if (body.pagination.nextCursor === null) break
    cursor = body.pagination.nextCursor
  }
  return summarize(values)
}

export async function measureRunsList (base, targetIds, middleCursor, someRunId) {
  await repeat(`${base}/api/dashboard/k6/runs`, 20) // warm-up: connections, caches, JIT
  return {
    'runs list, first page (50)': await repeat(`${base}/api/dashboard/k6/runs`),
    'runs list, first page (200)': await repeat(`${base}/api/dashboard/k6/runs?limit=200`),
    'runs list, walking 100 pages by cursor': await walk(base, {}, 100),
    'runs list, page in the middle of the table': await repeat(`${base}/api/dashboard/k6/runs?cursor=${middleCursor}`),
    'runs list, one target, walking 100 pages': await walk(base, { targetId: targetIds[3] }, 100),
    'runs list, status=error (1%), walking 50 pages': await walk(base, { status: 'error' }, 50),
    'runs list, one target + status=failed, 50 pages': await walk(base, { targetId: targetIds[1], status: 'failed' }, 50),
    'run detail': await repeat(`${base}/api/dashboard/k6/runs/${someRunId}`),
    'dashboard targets with stats (10 targets)': await repeat(`${base}/api/dashboard/k6/targets`, 30),
    'series, one target, 24 h': await repeat(`${base}/api/dashboard/k6/targets/${targetIds[0]}/series`, 30),
  }
}
