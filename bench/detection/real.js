// Series from real runs: the engine (runTest, 10 VUs) against a local 127.0.0.1 target whose latency and 5xx share
// the bench changes between runs. A pool of real runs per condition is recorded once; labelled series are then
// assembled from it (stable runs, then changed runs, drawn at random), so many trials share the pool's runs.
import { once } from 'node:events'
import { createServer } from 'node:http'
import { gaussian, prng } from './series.js'

const SECONDS = Number(process.env.BENCH_REAL_SECONDS ?? 2)
const VUS = 10
/** Think time chosen so a 20 ms target gives ~600 requests per run of 2 s (the size of a 10-VU, 1-minute run). */
const SLEEP_MS = 13
const BASE_DELAY_MS = 20
/** Run-to-run variation of the target's delay (log-normal CV), standing in for a shared host's drift. */
const RUN_CV = 0.1

function startTarget () {
  const state = { delayMs: BASE_DELAY_MS, fivexx: 0.001 }
  const rand = prng(4242)
  const server = createServer((req, res) => {
    // Each request's own delay varies ±25 %: a within-run distribution, not a constant.
    const delay = state.delayMs * Math.exp(0.25 * gaussian(rand))
    setTimeout(() => {
      res.statusCode = rand() < state.fivexx ? 503 : 200
      res.end('ok')
    }, delay)
  })
  return { server, state }
}

async function oneRun (spec, runTest, i) {
  const result = await runTest(spec)
  if (result.outcome === 'error') throw new Error(result.errorMessage)
  const m = result.metrics
  const d = m.http_req_duration?.values ?? {}
  const requests = m.http_reqs?.values.count ?? 0
  const failed = m.http_req_failed?.values.passes ?? 0
  return {
    runId: `real${i}`,
    at: result.finishedAt,
    p50Ms: d.med ?? null,
    p95Ms: d['p(95)'] ?? null,
    p99Ms: d['p(99)'] ?? null,
    latencyHistogram: result.histograms?.http_req_duration ?? null,
    requests,
    failedRequests: failed,
    statusCounts: result.statusCodes,
    errorKinds: result.errorKinds,
    rps: m.http_reqs?.values.rate ?? null,
  }
}

/** Records the pool: per condition, `count` runs at `factor` × the base delay and the given 5xx share. */
async function recordPool () {
  const { parseTestObject } = await import('@loadfleet/core')
  const { runTest } = await import('@loadfleet/engine')
  const { server, state } = startTarget()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${server.address().port}/`
  const test = { options: { vus: VUS, duration: `${SECONDS}s` }, requests: [{ url }], sleep: `${SLEEP_MS}ms` }
  const parsed = parseTestObject(test)
  if (parsed.value === undefined) throw new Error(JSON.stringify(parsed.diagnostics))
  const conditions = [
    { name: 'stable', count: 40, factor: 1, fivexx: 0.001 },
    { name: 'x1.5', count: 12, factor: 1.5, fivexx: 0.001 },
    { name: 'x2', count: 12, factor: 2, fivexx: 0.001 },
    { name: 'spike', count: 6, factor: 5, fivexx: 0.001 },
    { name: '5xx', count: 12, factor: 1, fivexx: 0.005 },
  ]
  const rand = prng(99)
  const pool = {}
  let i = 0
  const started = Date.now()
  try {
    for (const c of conditions) {
      pool[c.name] = []
      for (let k = 0; k < c.count; k++) {
        state.delayMs = BASE_DELAY_MS * c.factor * Math.exp(RUN_CV * gaussian(rand))
        state.fivexx = c.fivexx
        pool[c.name].push(await oneRun(parsed.value, runTest, i++))
      }
      console.log(`real runs: ${c.count} × ${c.name} recorded`)
    }
  } finally {
    server.close()
  }
  return { pool, seconds: Math.round((Date.now() - started) / 1000), runs: i }
}

const pick = (rand, runs) => runs[Math.floor(rand() * runs.length)]

/** A series: `before` stable runs, then `after` runs of `changed` (or stable runs with one spike), renumbered. */
function assemble (rand, pool, { before, after, changed, spikeAt }) {
  const runs = []
  for (let i = 0; i < before + after; i++) {
    let source = i >= before && changed !== null ? pool[changed] : pool.stable
    if (i === spikeAt) source = pool.spike
    runs.push({ ...pick(rand, source), runId: `s${i}`, at: Date.UTC(2026, 0, 1) + i * 300_000 })
  }
  return runs
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]
const cvOf = (v) => {
  const logs = v.map(Math.log)
  const m = logs.reduce((a, b) => a + b, 0) / logs.length
  return Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / (logs.length - 1))
}

/** Labelled scenarios assembled from real runs; each carries a note on the pool. */
export async function realScenarios () {
  const { pool, seconds, runs } = await recordPool()
  const stable = pool.stable
  const notes = `From ${runs} real engine runs (${VUS} VUs, ${SECONDS} s each, ${seconds} s in all) against a 127.0.0.1 ` +
    `target; stable pool: median ${Math.round(median(stable.map((r) => r.requests)))} requests a run, p95 ` +
    `${median(stable.map((r) => r.p95Ms)).toFixed(1)} ms, run-to-run CV of p95 ${Math.round(cvOf(stable.map((r) => r.p95Ms)) * 100)} %. ` +
    'Series are drawn from the pool with replacement, so trials share runs.'
  const rand = prng(2027)
  const trials = 60
  const normal = {
    p95: median(stable.map((r) => r.p95Ms)),
    p99: median(stable.map((r) => r.p99Ms)),
    errorRate: 0.001,
    fivexxRate: 0.001,
  }
  const latency = ['p50', 'p95', 'p99', 'latency_distribution']
  const make = (name, within, changed, expect) => ({
    name: `real runs: ${name}`,
    within,
    normal,
    notes,
    series: Array.from({ length: trials }, () => ({
      runs: assemble(rand, pool, { before: 30, after: 10, changed, spikeAt: -1 }),
      changeAt: changed === null ? null : 30,
      expect,
    })),
  })
  const spikes = {
    name: 'real runs: stable with a single ×5 run',
    within: null,
    normal,
    notes,
    series: Array.from({ length: trials }, () => {
      const spikeAt = 20 + Math.floor(rand() * 15)
      const runs = assemble(rand, pool, { before: 40, after: 0, changed: null, spikeAt })
      const metrics = ['p50', 'p95', 'p99', 'latency_distribution', 'throughput']
      return { runs, changeAt: null, spikes: [{ at: spikeAt, metrics }] }
    }),
  }
  return [
    make('p95 step ×2', 3, 'x2', latency),
    make('p95 step ×1.5', 5, 'x1.5', latency),
    make('5xx 0.1 % → 0.5 %', 3, '5xx', ['status_5xx', 'error_rate']),
    spikes,
  ]
}
