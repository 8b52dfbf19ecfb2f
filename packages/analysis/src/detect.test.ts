import * as hdr from 'hdr-histogram-js'
import { describe, expect, it } from 'vitest'
import { compareRunToBaseline, detectChanges } from './detect.js'
import type { RunSample } from './types.js'

/** Deterministic PRNG (mulberry32), so every series here is the same on every machine. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normal (rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

const T0 = Date.UTC(2026, 0, 1)
const MINUTE = 60_000

interface RunShape {
  p95Ms: number
  fivexx?: number
  failed?: number
  timeouts?: number
  rps?: number
  histogram?: string | null
}

function run (i: number, shape: RunShape): RunSample {
  const fivexx = shape.fivexx ?? 0
  const failed = shape.failed ?? fivexx + (shape.timeouts ?? 0)
  return {
    runId: `r${i}`,
    at: T0 + i * 5 * MINUTE,
    p50Ms: shape.p95Ms / 2,
    p95Ms: shape.p95Ms,
    p99Ms: shape.p95Ms * 1.5,
    latencyHistogram: shape.histogram ?? null,
    requests: 600,
    failedRequests: failed,
    statusCounts: { 200: 600 - fivexx - (shape.timeouts ?? 0), ...(fivexx > 0 ? { 503: fivexx } : {}) },
    errorKinds: shape.timeouts !== undefined ? { timeout: shape.timeouts } : {},
    rps: shape.rps ?? 10,
  }
}

/** Log-normal per-run p95 around `levels[i]` ms with coefficient of variation `cv`. */
function series (levels: number[], cv: number, seed = 1): RunSample[] {
  const rand = prng(seed)
  return levels.map((level, i) => run(i, { p95Ms: level * Math.exp(cv * normal(rand)) }))
}

const repeat = (value: number, n: number): number[] => Array.from({ length: n }, () => value)
const metrics = (runs: RunSample[]): string[] => detectChanges({ runs }).changes.map((c) => c.metric)

describe('detectChanges on per-run latency', () => {
  it('finds a ×2 p95 step and the run it started at, with an explanation', () => {
    const runs = series([...repeat(100, 25), ...repeat(200, 3)], 0.1)
    const { changes, baselineRunIds } = detectChanges({ runs })
    const p95 = changes.find((c) => c.metric === 'p95')
    expect(p95).toBeDefined()
    expect(p95?.startedRunId).toBe('r25')
    expect(p95?.direction).toBe('increase')
    expect(p95?.regression).toBe(true)
    expect(p95?.recentRunIds).toEqual(['r25', 'r26', 'r27'])
    expect(p95?.relativeChange).toBeGreaterThan(0.6)
    expect(p95?.baseline.median).toBeGreaterThan(85)
    expect(p95?.baseline.median).toBeLessThan(115)
    expect(p95?.pValue).toBeLessThan(0.01)
    expect(p95?.explanation).toMatch(/^p95 rose from \d+ ms to \d+ ms \(\+\d+ %\) since run r25/)
    expect(baselineRunIds).not.toContain('r25')
    expect(baselineRunIds).toContain('r24')
  })

  it('needs two runs: the first run of a step alone is not a change', () => {
    const runs = series([...repeat(100, 25), 200], 0.1)
    expect(metrics(runs)).not.toContain('p95')
  })

  it('ignores a single-run spike, whether it is the newest run or followed by normal runs', () => {
    for (let after = 0; after <= 6; after++) {
      const levels = [...repeat(100, 25), 800, ...repeat(100, after)]
      for (let seed = 1; seed <= 10; seed++) expect(metrics(series(levels, 0.1, seed))).toEqual([])
    }
  })

  it('stays quiet on a bimodal series whose p95 flips between two levels from run to run', () => {
    const rand = prng(7)
    const levels = Array.from({ length: 80 }, () => (rand() < 0.35 ? 200 : 20))
    const runs = series(levels, 0.05, 3)
    for (let n = 10; n <= runs.length; n++) expect(metrics(runs.slice(0, n))).toEqual([])
  })

  it('stays quiet on a stable series at every step, and is deterministic', () => {
    const runs = series(repeat(100, 60), 0.1, 11)
    for (let n = 6; n <= runs.length; n++) expect(metrics(runs.slice(0, n))).toEqual([])
    const step = series([...repeat(100, 30), ...repeat(150, 5)], 0.1, 5)
    expect(detectChanges({ runs: step })).toEqual(detectChanges({ runs: step }))
  })

  it('an accepted change moves the rolling baseline: runs before acceptedAt are ignored', () => {
    const runs = series([...repeat(100, 25), ...repeat(200, 12)], 0.1)
    expect(metrics(runs)).toContain('p95')
    const acceptedAt = runs[25]?.at ?? 0
    const after = detectChanges({ runs, acceptedAt })
    expect(after.changes).toEqual([])
    expect(after.baselineRunIds.every((id) => Number(id.slice(1)) >= 25)).toBe(true)
  })

  it('uses a pinned baseline instead of the rolling one', () => {
    const pinned = series(repeat(50, 12), 0.1, 21)
      .map((r, i) => ({ ...r, runId: `pin${i}`, at: T0 - (20 - i) * MINUTE }))
    const runs = series(repeat(100, 30), 0.1, 22)
    expect(metrics(runs)).toEqual([])
    const { changes, baselineRunIds } = detectChanges({ runs, baseline: pinned })
    const p95 = changes.find((c) => c.metric === 'p95')
    expect(p95?.baselineRunIds).toEqual(pinned.map((r) => r.runId))
    expect(p95?.startedRunId).toBe('r0')
    expect(baselineRunIds).toEqual(pinned.map((r) => r.runId))
  })

  it('a single pinned run: the spread of the recent runs stands in for the noise, a sign test needs 7 runs', () => {
    const pinned = [run(-1, { p95Ms: 50 })]
    const runs = series(repeat(100, 10), 0.1, 23)
    expect(detectChanges({ runs: runs.slice(0, 6), baseline: pinned }).changes.map((c) => c.metric)).not.toContain('p95')
    const p95 = detectChanges({ runs, baseline: pinned }).changes.find((c) => c.metric === 'p95')
    expect(p95?.baselineRunIds).toEqual(['r-1'])
    expect(p95?.pValue).toBeLessThanOrEqual(0.01)
  })

  it('detects a throughput drop as a decrease', () => {
    const rand = prng(4)
    const runs = Array.from({ length: 28 }, (_, i) =>
      run(i, { p95Ms: 100 * Math.exp(0.05 * normal(rand)), rps: (i < 25 ? 10 : 5) * Math.exp(0.05 * normal(rand)) }))
    const change = detectChanges({ runs }).changes.find((c) => c.metric === 'throughput')
    expect(change?.direction).toBe('decrease')
    expect(change?.relativeChange).toBeLessThan(-0.3)
    expect(change?.explanation).toMatch(/^throughput fell from/)
  })

  it('reports improvements only when asked', () => {
    const runs = series([...repeat(100, 25), ...repeat(40, 4)], 0.1)
    expect(metrics(runs)).toEqual([])
    const better = detectChanges({ runs, options: { improvements: true } }).changes.find((c) => c.metric === 'p95')
    expect(better?.direction).toBe('decrease')
    expect(better?.regression).toBe(false)
  })
})

describe('detectChanges on failure counts', () => {
  const base5xx = [1, 0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1] // 0.1 % of 600

  it('finds 5xx rising from 0.1 % to 0.5 % of 600 requests a run within three runs', () => {
    const runs = [...base5xx, 3, 4, 3].map((n, i) => run(i, { p95Ms: 100, fivexx: n }))
    const change = detectChanges({ runs }).changes.find((c) => c.metric === 'status_5xx')
    expect(change?.startedRunId).toBe('r20')
    expect(change?.pValue).toBeLessThan(0.001)
    expect(change?.effectSize.name).toBe('rate ratio')
    expect(change?.explanation).toMatch(/^5xx responses rose from 0\.08 % to 0\.56 % of requests/)
  })

  it('finds the first 5xx ever', () => {
    const runs = [...repeat(0, 20), 2, 3, 3].map((n, i) => run(i, { p95Ms: 100, fivexx: n }))
    const change = detectChanges({ runs }).changes.find((c) => c.metric === 'status_5xx')
    expect(change?.explanation).toContain('none in the baseline')
    expect(Number.isFinite(change?.relativeChange)).toBe(true)
  })

  it('ignores a burst of timeouts in one run followed by normal runs', () => {
    for (let after = 1; after <= 5; after++) {
      const counts = [...repeat(0, 20), 40, ...base5xx.slice(0, after)]
      const runs = counts.map((n, i) => run(i, { p95Ms: 100, timeouts: n }))
      expect(metrics(runs)).toEqual([])
    }
  })

  it('names the error kind', () => {
    const runs = [...repeat(0, 20), 6, 9, 7].map((n, i) => run(i, { p95Ms: 100, timeouts: n }))
    expect(metrics(runs)).toEqual(['error_rate', 'error_timeout'])
  })
})

describe('latency distribution from histograms', () => {
  function histogram (rand: () => number, slowShare: number): string {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    })
    for (let i = 0; i < 600; i++) {
      const base = rand() < slowShare ? 120_000 : 20_000
      h.recordValue(Math.round(base * Math.exp(0.2 * normal(rand))))
    }
    const encoded = hdr.encodeIntoCompressedBase64(h)
    h.destroy()
    return encoded
  }

  it('detects a shift of the mix of a bimodal distribution that leaves p95 where it was', () => {
    const rand = prng(9)
    const runs = Array.from({ length: 28 }, (_, i) =>
      run(i, { p95Ms: 130 * Math.exp(0.05 * normal(rand)), histogram: histogram(rand, i < 25 ? 0.1 : 0.4) }))
    const change = detectChanges({ runs }).changes.find((c) => c.metric === 'latency_distribution')
    expect(change?.startedRunId).toBe('r25')
    expect(change?.effectSize.name).toBe("Cliff's delta (requests)")
    expect(change?.effectSize.value).toBeGreaterThan(0.2)
    expect(detectChanges({ runs: runs.slice(0, 25) }).changes).toEqual([])
  })
})

describe('compareRunToBaseline', () => {
  it('gives baseline median and p95 per metric with the relative change of this run', () => {
    const baseline = [80, 90, 100, 110, 120].map((p95Ms, i) => run(i, { p95Ms, fivexx: i === 0 ? 1 : 0 }))
    const rows = compareRunToBaseline(run(9, { p95Ms: 150, fivexx: 3 }), baseline)
    const p95 = rows.find((r) => r.metric === 'p95')
    expect(p95).toEqual({ metric: 'p95', baseline: { median: 100, p95: 118 }, value: 150, relativeChange: 0.5 })
    const fivexx = rows.find((r) => r.metric === 'status_5xx')
    expect(fivexx?.value).toBeCloseTo(0.005, 12)
    expect(fivexx?.baseline.median).toBe(0)
    expect(Number.isFinite(fivexx?.relativeChange)).toBe(true)
    expect(fivexx?.relativeChange).toBeGreaterThan(1)
    expect(rows.find((r) => r.metric === 'latency_distribution')).toBeUndefined()
  })
})
