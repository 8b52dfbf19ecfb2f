import { formatNumber, formatP, formatRelative, formatValue } from './format.js'
import { pooledCliffsDelta, poolBuckets, decodeLatency } from './histogram.js'
import type { LatencyBuckets } from './histogram.js'
import type { LevelMetric } from './metrics.js'
import {
  binomialUpperTail, cliffsDelta, hodgesLehmann, mannWhitneyU, median, quantile, robustSigma, studentUpperTail,
} from './stats.js'
import type { DetectedChange, DetectOptions, RunSample } from './types.js'

/** One run's value of a per-run metric. */
export interface LevelPoint {
  run: RunSample
  value: number
}

interface Candidate {
  k: number
  base: LevelPoint[]
  pValue: number
  z: number
  separation: number
}

/** A change must stay this many runs for the slow path (small sustained shifts and drift) to judge it. */
const SUSTAINED_MIN_RUNS = 8
/** The slow path compares many runs, so it asks for much stronger evidence than the fast path. */
const SUSTAINED_MAX_P = 1e-4
const SUSTAINED_MAX_SHIFT_P = 1e-6

/**
 * Finds the most convincing change of a per-run metric in direction `direction` among the newest runs.
 * Candidates: every split k leaving ≥ minRecentRuns after it; among those passing every gate, the one that best
 * separates the segment means wins (the change point of binary segmentation).
 * `pinned` replaces the rolling window of runs before k; then only runs after `firstCandidate` can start a change.
 */
export function detectLevelChange (input: {
  def: LevelMetric
  points: readonly LevelPoint[]
  pinned: readonly LevelPoint[] | null
  firstCandidate: number
  direction: 'increase' | 'decrease'
  options: DetectOptions
}): DetectedChange | null {
  const { def, points, pinned, direction, options: o } = input
  const sign = direction === 'increase' ? 1 : -1
  // y grows in the direction being tested, on a log scale.
  const y = points.map((p) => sign * Math.log(p.value))
  const yPinned = pinned?.map((p) => sign * Math.log(p.value)) ?? null
  const floor = def.unit === 'req/s' ? o.minThroughputChange : o.minLatencyChange
  // The smallest log shift that is a `floor` relative change in the tested direction.
  const minShift = sign > 0 ? Math.log1p(floor) : -Math.log1p(-Math.min(floor, 0.99))
  let best: Candidate | null = null
  const start = Math.max(input.firstCandidate, pinned === null ? o.minBaselineRuns : 0)
  for (let k = start; k <= y.length - o.minRecentRuns; k++) {
    const recent = y.slice(k)
    const from = Math.max(0, k - o.maxBaselineRuns)
    const base = yPinned ?? y.slice(from, k)
    if (base.length < (pinned === null ? o.minBaselineRuns : 1)) continue
    // Every run before the split, not only the baseline window: a level the site has visited before is not new,
    // and the run-to-run noise is estimated from all of them (a 20-run estimate is too often 30 % low).
    const history = yPinned ?? y.slice(0, k)
    const verdict = judge({ recent, base, history, minShift, o })
    if (verdict === null) continue
    if (best === null || verdict.separation > best.separation) {
      best = { k, base: pinned === null ? points.slice(from, k) : [...pinned], ...verdict }
    }
  }
  if (best === null) return null
  const recentPoints = points.slice(best.k)
  if (def.metric === 'latency_distribution') {
    const delta = distributionDelta(recentPoints, best.base) * sign
    if (delta < o.minDistributionDelta) return null
    const base = best.base
    return describe({ def, direction, recent: recentPoints, base, candidate: best, distributionDelta: delta })
  }
  return describe({ def, direction, recent: recentPoints, base: best.base, candidate: best, distributionDelta: null })
}

/**
 * Every gate for one split; null when any fails. Cheap gates first: most splits of a stable series fail at once.
 * `separation` locates the change point among passing splits: the standardised difference of the segment means
 * (the mean-shift statistic of CUSUM and binary segmentation), which a borderline run on either side lowers.
 */
function judge (input: {
  recent: number[]
  base: number[]
  history: number[]
  minShift: number
  o: DetectOptions
}): Verdict | null {
  const { recent, base, history, minShift, o } = input
  const m = recent.length
  const mid = median(base)
  const newest = recent[m - 1] ?? 0
  if (newest - mid < minShift / 2) return null
  // A pinned baseline of a few runs cannot show the run-to-run noise: the spread of the recent runs stands in.
  const few = base.length < o.minBaselineRuns
  const spread = few ? [...base.map((v) => v - mid), ...recent.map((v) => v - median(recent))] : history
  const sigma = Math.max(robustSigma(spread), o.minLogSigma)
  const changed = (v: number): boolean => (v - mid) / sigma >= o.minRunZ
  const changedRuns = recent.filter(changed)
  const fast = changed(newest) && changedRuns.length >= Math.max(o.minRecentRuns, Math.ceil(o.confirmFraction * m)) &&
    !spiky({ history, mid, sigma, o })
  if (!fast && m < SUSTAINED_MIN_RUNS) return null
  const mw = few ? signTest(recent, mid) : mannWhitneyU(recent, base)
  if (mw.pValue > (fast ? o.maxPValue : SUSTAINED_MAX_P)) return null
  const shift = hodgesLehmann(recent, base)
  if (shift < minShift) return null
  // The size of the shift against the noise, as Student's t (robust: Hodges-Lehmann shift, robust sigma).
  const b = base.length
  const t = shift / (sigma * Math.sqrt(1 / m + 1 / b))
  const pShift = studentUpperTail(t, Math.max(1, spread.length - 1))
  if (pShift > (fast ? o.maxShiftPValue : SUSTAINED_MAX_SHIFT_P)) return null
  if (fast && !withoutWorstRun({ recent, base, sigma, df: Math.max(1, spread.length - 1), o })) return null
  if (!fast) {
    // Slow path: three quarters of the runs since the split, and the newest, sit nearer the new level than the old.
    const half = mid + shift / 2
    if (newest < half || recent.filter((v) => v >= half).length < Math.ceil(0.75 * m)) return null
  }
  const separation = Math.sqrt(m * b / (m + b)) * (mean(recent) - mean(base)) / sigma
  return { pValue: mw.pValue, z: mw.z, separation }
}

/**
 * Whether the site's earlier runs often stood out as far as a changed run must (at least 2, and 10 % of them): a
 * site that flips between two levels run by run (bimodal) then gets no fast path, since two runs on its upper level
 * in a row are no change however small sigma looks. Rare spikes do not count.
 */
function spiky (input: { history: readonly number[], mid: number, sigma: number, o: DetectOptions }): boolean {
  const { history, mid, sigma, o } = input
  const high = history.filter((v) => (v - mid) / sigma >= o.minRunZ).length
  return high >= Math.max(2, Math.ceil(0.1 * history.length))
}

/**
 * The fast path's spike guard: without its most extreme run, the runs since the split must still shift far enough
 * against the noise (the t test at maxShiftPValue). A spike followed by one ordinary-but-high run is then no change.
 */
function withoutWorstRun (input: {
  recent: number[]
  base: number[]
  sigma: number
  df: number
  o: DetectOptions
}): boolean {
  const { recent, base, sigma, df, o } = input
  const rest = [...recent].sort((a, b) => a - b).slice(0, -1)
  const shift = hodgesLehmann(rest, base)
  const t = shift / (sigma * Math.sqrt(1 / rest.length + 1 / base.length))
  return studentUpperTail(t, df) <= o.maxShiftPValue
}

/** Exact one-sided sign test of the recent runs against a pinned baseline's median (too few runs for ranks). */
function signTest (recent: readonly number[], mid: number): { pValue: number, z: number } {
  const m = recent.length
  const above = recent.filter((v) => v > mid).length
  return { pValue: binomialUpperTail(above, m, 0.5), z: (above - m / 2) / Math.sqrt(m / 4) }
}

interface Verdict { pValue: number, z: number, separation: number }

const mean = (v: readonly number[]): number => v.reduce((a, x) => a + x, 0) / v.length

function distributionDelta (recent: readonly LevelPoint[], base: readonly LevelPoint[]): number {
  const buckets = (pts: readonly LevelPoint[]): LatencyBuckets[] => pts
    .map((p) => (p.run.latencyHistogram === null ? null : decodeLatency(p.run.latencyHistogram)))
    .filter((b): b is LatencyBuckets => b !== null)
  return pooledCliffsDelta(poolBuckets(buckets(recent)), poolBuckets(buckets(base)))
}

function describe (input: {
  def: LevelMetric
  direction: 'increase' | 'decrease'
  recent: readonly LevelPoint[]
  base: readonly LevelPoint[]
  candidate: Candidate
  distributionDelta: number | null
}): DetectedChange {
  const { def, direction, recent, base, candidate } = input
  const r = recent.map((p) => p.value)
  const b = base.map((p) => p.value)
  const baseline = { median: median(b), p95: quantile(b, 0.95) }
  const now = { median: median(r), p95: quantile(r, 0.95) }
  const relativeChange = now.median / baseline.median - 1
  const regression = direction === def.worse
  const first = recent[0]?.run
  const sign = direction === 'increase' ? 1 : -1
  const effectSize = input.distributionDelta !== null
    ? { name: "Cliff's delta (requests)", value: input.distributionDelta * sign }
    : { name: "Cliff's delta (runs)", value: cliffsDelta(r, b) }
  const verb = direction === 'increase' ? 'rose' : 'fell'
  const evidence = `Mann-Whitney z = ${formatNumber(candidate.z * sign)}, p = ${formatP(candidate.pValue)}; ` +
    `${effectSize.name} = ${formatNumber(effectSize.value)}`
  const explanation = `${def.label} ${verb} from ${formatValue(baseline.median, def.unit)} to ` +
    `${formatValue(now.median, def.unit)} (${formatRelative(relativeChange)}) since run ${first?.runId ?? '?'}: ` +
    `median of ${r.length} runs vs. ${b.length} baseline runs (${evidence}).`
  return {
    metric: def.metric,
    direction,
    regression,
    startedRunId: first?.runId ?? '',
    startedAt: first?.at ?? 0,
    baseline,
    recent: now,
    relativeChange,
    effectSize,
    statistic: { name: 'Mann-Whitney U (z)', value: candidate.z * sign },
    pValue: candidate.pValue,
    unit: def.unit,
    baselineRunIds: base.map((p) => p.run.runId),
    recentRunIds: recent.map((p) => p.run.runId),
    explanation,
  }
}
