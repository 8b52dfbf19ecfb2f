import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type SeriesBucket } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { openDatabase } from '../src/db/database.js'
import { Store } from '../src/db/store.js'
import type { RunRow } from '../src/db/schema.js'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

const HOUR_MS = 3_600_000
const MINUTE_MS = 60_000
// A week of one run a minute, in whole hours: the load the 7-day chart must stay fast for.
const HOURS = 167
const RUNS = HOURS * 60
// Shared machines are slow; a response this late would be felt on every poll of the site page.
const BUCKETED_WEEK_MAX_MS = 2000

/** What run `i` of the week looks like: latency steps up half-way; each hour has one failed and one error run. */
function runOf (i: number, targetId: string, startedAt: number): RunRow {
  const minute = i % 60
  const p95 = (i < RUNS / 2 ? 100 : 300) + minute
  const status = minute === 58 ? 'error' : minute === 59 ? 'failed' : 'passed'
  const measured = status !== 'error'
  return {
    id: `seed-${String(i).padStart(6, '0')}-${randomUUID().slice(0, 8)}`, target_id: targetId, agent_name: 'seed',
    status, duration_s: 30, started_at: startedAt, finished_at: startedAt + 30_000,
    error_message: status === 'error' ? 'broke' : null,
    p50_ms: measured ? p95 / 2 : null, p95_ms: measured ? p95 : null, p99_ms: measured ? p95 * 2 : null,
    avg_ms: measured ? p95 / 2 : null, error_rate: measured ? minute / 1000 : null, rps: measured ? 10 : null,
    data_received_bytes: measured ? 1000 : null, iterations: measured ? 300 : null,
    summary_json: null, result_hash: null, reaped_at: null, failure_reason: null, verdict_json: null,
    requests: measured ? 300 : null, failed_requests: measured ? 0 : null, status_counts_json: null,
    error_kinds_json: null,
  }
}

/** Type-7 quantile written out again, so the test does not trust the code it checks. */
function quantile (values: number[], q: number): number {
  const asc = [...values].sort((a, b) => a - b)
  const h = (asc.length - 1) * q
  const lo = Math.floor(h)
  return asc[lo]! + (h - lo) * (asc[Math.min(lo + 1, asc.length - 1)]! - asc[lo]!)
}

describe.each(['sqlite', 'postgres'] as const)('bucketed site series on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient
  let targetId = ''
  let firstHour = 0

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    const store = new Store(await openDatabase(db.databaseUrl === undefined
      ? { kind: 'sqlite', file: `${db.dataDir}/loadfleet.db` }
      : { kind: 'postgres', url: db.databaseUrl }))
    const target = await store.createTarget({
      url: 'https://shop.example.com/', label: 'Shop', vus: 1, durationS: 30, runIntervalMs: MINUTE_MS, enabled: false,
      thresholds: {}, expectedStatuses: [],
    }, 'seed')
    targetId = target.id
    firstHour = Math.floor((Date.now() - 7 * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS + HOUR_MS
    const rows = Array.from({ length: RUNS }, (_, i) => runOf(i, targetId, firstHour + i * MINUTE_MS))
    for (let i = 0; i < rows.length; i += 500) await store.db.insertInto('runs').values(rows.slice(i, i + 500)).execute()
    await store.close()
    server = await startServer(serverOptionsFor(db))
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await db?.drop()
  })

  it('gives 7 days of one run a minute as hourly buckets with the median and p95 of each figure, fast', async () => {
    const to = new Date().toISOString()
    const from = new Date(Date.now() - 7 * 24 * HOUR_MS).toISOString()
    await api.targetSeriesBuckets(targetId, { from, to, bucket: '1h' }) // warm the connection and the page cache
    const started = performance.now()
    const page = await api.targetSeriesBuckets(targetId, { from, to, bucket: '1h' })
    const elapsedMs = performance.now() - started
    expect(elapsedMs).toBeLessThan(BUCKETED_WEEK_MAX_MS)
    expect(page.bucketMs).toBe(HOUR_MS)
    expect(page.data).toHaveLength(HOURS)
    const hours = Array.from({ length: HOURS }, (_, h) => firstHour + h * HOUR_MS)
    expect(page.data.map((b) => Date.parse(b.t))).toEqual(hours)
    const passedP95 = (base: number): number[] => [...Array.from({ length: 58 }, (_, m) => base + m), base + 59]
    const check = (bucket: SeriesBucket | undefined, base: number): void => {
      expect(bucket).toBeDefined()
      expect(bucket?.runs).toBe(60)
      expect(bucket?.statuses).toEqual({ passed: 58, failed: 1, error: 1 })
      // The error run has no figures: 59 runs enter the spreads.
      expect(bucket?.measured).toBe(59)
      const p95s = passedP95(base)
      expect(bucket?.p95Ms?.median).toBeCloseTo(quantile(p95s, 0.5), 9)
      expect(bucket?.p95Ms?.p95).toBeCloseTo(quantile(p95s, 0.95), 9)
      expect(bucket?.p99Ms?.median).toBeCloseTo(quantile(p95s.map((v) => v * 2), 0.5), 9)
      expect(bucket?.errorRate?.p95).toBeCloseTo(quantile(p95s.map((v) => (v - base) / 1000), 0.95), 9)
      expect(bucket?.rps).toEqual({ median: 10, p95: 10 })
    }
    check(page.data[0], 100)
    check(page.data.at(-1), 300)
    // The step half-way is one bucket wide, not smeared over the week.
    const medians = page.data.map((b) => b.p95Ms?.median ?? 0)
    expect(medians.filter((m) => m < 200)).toHaveLength(Math.ceil(HOURS / 2))
    console.log(`[bench] ${kind}: ${RUNS} runs as ${page.data.length} hourly buckets in ${elapsedMs.toFixed(0)} ms`)
  })

  it('leaves empty buckets out, and still serves every run as a point without a bucket', async () => {
    const from = new Date(firstHour - 2 * HOUR_MS).toISOString()
    const to = new Date(firstHour + 30 * MINUTE_MS - 1).toISOString()
    const page = await api.targetSeriesBuckets(targetId, { from, to, bucket: '15m' })
    expect(page.bucketMs).toBe(15 * MINUTE_MS)
    expect(page.data.map((b) => [Date.parse(b.t) - firstHour, b.runs])).toEqual([[0, 15], [15 * MINUTE_MS, 15]])
    const points = await api.targetSeries(targetId, { from, to })
    expect(points.data).toHaveLength(30)
    expect(points).not.toHaveProperty('bucketMs')
    expect(points.data[0]).toMatchObject({ status: 'passed', p95Ms: 100 })
  })

  it('refuses a bucket that is not a duration, out of bounds, or too narrow for the window, naming the field', async () => {
    const base = `${server.url}/api/dashboard/k6/targets/${targetId}/series`
    const headers = { authorization: `Basic ${Buffer.from(server.adminAuth).toString('base64')}` }
    for (const query of ['bucket=soon', 'bucket=15', 'bucket=0m', 'bucket=1s', 'bucket=8d', 'bucket=1h&bucket=2h',
      `bucket=10s&from=${new Date(Date.now() - 7 * 24 * HOUR_MS).toISOString()}`]) {
      const res = await fetch(`${base}?${query}`, { headers })
      expect(res.status, query).toBe(400)
      const body = await res.json() as { code: string, details: { issues: Array<{ path: string }> } }
      expect(body.code, query).toBe('LF_REQUEST_INVALID')
      expect(body.details.issues.map((i) => i.path), query).toContain('querystring.bucket')
    }
  })

  it('documents the bucket parameter and both answers in the OpenAPI document', async () => {
    const doc = await (await fetch(`${server.url}/api/docs/json`)).json() as {
      paths: Record<string, { get: { parameters: Array<{ name: string, description?: string }>, responses: unknown } }>
    }
    const route = doc.paths['/api/dashboard/k6/targets/{id}/series']?.get
    const bucket = route?.parameters.find((p) => p.name === 'bucket')
    expect(bucket?.description).toMatch(/median and p95/)
    expect(JSON.stringify(route?.responses)).toContain('bucketMs')
  })
})
