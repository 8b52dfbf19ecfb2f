import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExecutionTuple, evenSequence } from '@loadfleet/core'
import type { RunResult } from '@loadfleet/core'
import { mergeHistograms, mergeRunResults, percentilesOfEncoded, runTest } from '../src/index.js'
import { startTarget } from './helpers/target.js'
import type { Target } from './helpers/target.js'
import { shared, step, testSpec } from './helpers/spec.js'

/** Parts of one test against a fixed-delay target on 127.0.0.1, merged, beside one engine running the whole test. */
let target: Target
beforeAll(async () => {
  target = await startTarget((_req, res) => { setTimeout(() => res.end('ok'), 10) })
})
afterAll(async () => target.close())

const THRESHOLDS = [
  { metric: 'http_reqs', expression: 'count>=90', abortOnFail: false, delayAbortEvalMs: 0 },
  { metric: 'http_req_duration', expression: 'p(99.9)<5000', abortOnFail: false, delayAbortEvalMs: 0 },
]
const STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']

function segments (n: number): ExecutionTuple[] {
  const seq = evenSequence(n)
  return seq.map((s) => ExecutionTuple.of(s, seq).value as ExecutionTuple)
}

const values = (r: RunResult, metric: string): Record<string, number> => r.metrics[metric]?.values ?? {}

describe('mergeRunResults', () => {
  it.each([2, 3])('%i parts merge into the single engine\'s totals, and its percentiles within precision', async (n) => {
    const spec = testSpec({ scenarios: [shared(6, 120)], requests: [step(`${target.url}/`)], thresholds: THRESHOLDS })
    const single = await runTest(spec)
    const parts = await Promise.all(segments(n).map(async (segment) => runTest(spec, { segment })))
    const merged = mergeRunResults(parts, { thresholds: THRESHOLDS, summaryTrendStats: STATS })
    for (const metric of ['http_reqs', 'iterations']) {
      expect(values(merged, metric).count).toBe(120)
      expect(values(merged, metric).count).toBe(values(single, metric).count)
    }
    expect(merged.statusCodes).toEqual(single.statusCodes)
    expect(values(merged, 'http_req_failed')).toMatchObject({ passes: 0, fails: 120, rate: 0 })
    expect(values(merged, 'vus_max').value).toBe(6)
    // The same load against a 10 ms target, run twice on a shared host: the two distributions agree within a factor
    // of two (a broken merge is off by far more); the exactness of the merge itself is the next test's.
    for (const stat of ['med', 'p(95)']) {
      const a = values(merged, 'http_req_duration')[stat] ?? 0
      const b = values(single, 'http_req_duration')[stat] ?? 0
      expect(Math.abs(a - b), `${stat}: merged ${a} ms, single ${b} ms`).toBeLessThan(Math.max(15, b))
    }
    // Thresholds are judged once on the whole: each part alone has too few requests, the merged run has enough.
    expect(parts.every((p) => p.outcome === 'failed')).toBe(true)
    expect(merged.outcome).toBe('passed')
    expect(merged.thresholds.map((t) => t.ok)).toEqual([true, true])
  })

  it('is exact: merged percentiles, min, max and mean are those of all samples together', async () => {
    const spec = testSpec({ scenarios: [shared(4, 60)], requests: [step(`${target.url}/`)] })
    const parts = await Promise.all(segments(3).map(async (segment) => runTest(spec, { segment })))
    const merged = mergeRunResults(parts, { thresholds: [], summaryTrendStats: STATS })
    const encoded = parts.map((p) => p.histograms?.http_req_duration ?? '')
    const [p50, p95, p99] = percentilesOfEncoded(mergeHistograms(encoded), [50, 95, 99]).map((us) => us / 1000)
    const d = values(merged, 'http_req_duration')
    const ds = parts.map((p) => values(p, 'http_req_duration'))
    const mn = Math.min(...ds.map((x) => x.min ?? Infinity))
    const mx = Math.max(...ds.map((x) => x.max ?? 0))
    const clamp = (v: number | undefined): number => Math.min(mx, Math.max(mn, v ?? 0))
    expect([d.med, d['p(95)'], d['p(99)']]).toEqual([clamp(p50), clamp(p95), clamp(p99)])
    expect([d.min, d.max]).toEqual([mn, mx])
    const counts = parts.map((p) => values(p, 'http_reqs').count ?? 0)
    const mean = ds.reduce((n, x, i) => n + (x.avg ?? 0) * (counts[i] ?? 0), 0) / 60
    expect(d.avg).toBeCloseTo(mean, 9)
    // Rates are over the whole wall time, not summed per part.
    expect(values(merged, 'http_reqs').rate).toBeCloseTo(60 / (merged.durationMs / 1000), 6)
  })
})
