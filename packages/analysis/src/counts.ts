import { formatNumber, formatP, formatValue } from './format.js'
import type { CountMetric } from './metrics.js'
import { median, quantile, rateIncreaseTest } from './stats.js'
import type { DetectedChange, DetectOptions, RunSample } from './types.js'

/** One run's count of a per-request event, out of its requests. */
export interface CountPoint {
  run: RunSample
  count: number
  trials: number
}

interface Totals { count: number, trials: number }

const sum = (pts: readonly CountPoint[]): Totals => {
  let count = 0
  let trials = 0
  for (const p of pts) {
    count += p.count
    trials += p.trials
  }
  return { count, trials }
}

/**
 * Splits with at most this many runs after them are judged by the mid-p of the conditional test: at maxCountPValue
 * up to EARLY_MAX_RUNS runs, at half of it for longer ones (each split is tested again after every run, and the
 * longer a fresh change is, the more earlier tests of the same runs it follows); longer ones at SUSTAINED_MAX_P.
 */
const FAST_MAX_RUNS = 6
const EARLY_MAX_RUNS = 3
/**
 * A long stretch of runs is tested again after every run, and its baseline is the part of the window that happened
 * to be quietest: so it must be far stronger evidence than a fresh change of a few runs.
 */
const SUSTAINED_MAX_P = 1e-5

/** Largest share of the events since a split that its worst run may hold (bursts hold nearly all). */
const MAX_WORST_RUN_SHARE = 0.6

interface Candidate {
  k: number
  base: CountPoint[]
  pValue: number
  midP: boolean
  z: number
}

/**
 * Finds the most convincing increase of a per-request event rate among the newest runs: for every split, the
 * events since it are tested against the baseline's with the conditional binomial test; the split with the
 * largest excess (in standard deviations) among those passing every gate wins.
 */
export function detectCountChange (input: {
  def: CountMetric
  points: readonly CountPoint[]
  pinned: readonly CountPoint[] | null
  firstCandidate: number
  options: DetectOptions
}): DetectedChange | null {
  const { def, points, pinned, options: o } = input
  const pinnedTotals = pinned === null ? null : sum(pinned)
  let best: Candidate | null = null
  const start = Math.max(input.firstCandidate, pinned === null ? o.minBaselineRuns : 0)
  for (let k = start; k <= points.length - o.minRecentRuns; k++) {
    const from = Math.max(0, k - o.maxCountBaselineRuns)
    const basePoints = pinned ?? points.slice(from, k)
    if (basePoints.length < o.minBaselineRuns) continue
    const verdict = judge(points.slice(k), pinnedTotals ?? sum(basePoints), o)
    if (verdict !== null && (best === null || verdict.z > best.z)) best = { k, base: [...basePoints], ...verdict }
  }
  return best === null ? null : describe(def, points.slice(best.k), best)
}

function judge (
  recent: readonly CountPoint[],
  base: Totals,
  o: DetectOptions,
): { pValue: number, midP: boolean, z: number } | null {
  const r = sum(recent)
  if (r.trials === 0 || base.trials === 0) return null
  const rateR = r.count / r.trials
  const rateB = base.count / base.trials
  const newest = recent[recent.length - 1]
  // The newest run must still show the raised rate: a change that has already stopped is not reported.
  if (newest === undefined || newest.trials === 0 || newest.count / newest.trials <= rateB) return null
  if (rateR - rateB < o.minRateIncrease) return null
  // k of m: most runs since the split (60 %, at least 2) each show more events than the baseline rate predicts,
  // so repeated bursts in a few runs are not a changed rate.
  const raised = recent.filter((p) => p.trials > 0 && p.count > rateB * p.trials).length
  if (raised < Math.max(o.minRecentRuns, Math.ceil(o.confirmFraction * recent.length))) return null
  if (rateR / continuityRate(base) - 1 < o.minRateRatioChange) return null
  const fast = recent.length <= FAST_MAX_RUNS
  const vsBase = (t: Totals): number => rateIncreaseTest({
    recent: t.count, recentTrials: t.trials, base: base.count, baseTrials: base.trials, midP: fast,
  })
  const pValue = vsBase(r)
  const maxP = !fast ? SUSTAINED_MAX_P : recent.length <= EARLY_MAX_RUNS ? o.maxCountPValue : o.maxCountPValue / 2
  if (pValue > maxP) return null
  // Robust to bursts: without the worst run (the worst fifth of a long stretch), the others must still show it.
  const drop = Math.max(1, Math.floor(0.2 * recent.length))
  const rest = sum([...recent].sort((a, b) => rateOf(a) - rateOf(b)).slice(0, recent.length - drop))
  if (rest.count < 3 || vsBase(rest) > (fast ? o.maxCountPValueWithoutWorstRun : SUSTAINED_MAX_P)) return null
  // Nor may the worst run hold most of the events since the split: that is a burst, not a changed rate.
  const worstCount = Math.max(...recent.map((p) => p.count))
  if (worstCount > MAX_WORST_RUN_SHARE * r.count) return null
  const total = r.count + base.count
  const share = r.trials / (r.trials + base.trials)
  const z = (r.count - total * share) / Math.sqrt(Math.max(total * share * (1 - share), 1e-9))
  return { pValue, midP: fast, z }
}

const rateOf = (p: CountPoint | undefined): number => (p === undefined || p.trials === 0 ? 0 : p.count / p.trials)

/** A baseline with no events at all counts half an event, so ratios stay finite (a continuity correction). */
function continuityRate (t: Totals): number {
  return (t.count > 0 ? t.count : 0.5) / t.trials
}

function describe (def: CountMetric, recent: readonly CountPoint[], c: Candidate): DetectedChange {
  const r = sum(recent)
  const b = sum(c.base)
  const rateR = r.count / r.trials
  const rateB = b.count / b.trials
  const ratio = rateR / continuityRate(b)
  const first = recent[0]?.run
  const perRunR = recent.map(rateOf)
  const perRunB = c.base.map(rateOf)
  const times = b.count > 0 ? `×${formatNumber(ratio)}` : 'none in the baseline'
  const explanation = `${def.label} rose from ${formatValue(rateB, 'ratio')} to ${formatValue(rateR, 'ratio')} of ` +
    `requests (${times}) since run ${first?.runId ?? '?'}: ${count(r.count)} of ${count(r.trials)} requests in ` +
    `${recent.length} runs vs. ${count(b.count)} of ${count(b.trials)} in ${c.base.length} baseline runs ` +
    `(${c.midP ? 'binomial mid-p' : 'exact binomial p'} = ${formatP(c.pValue)}).`
  return {
    metric: def.metric,
    direction: 'increase',
    regression: true,
    startedRunId: first?.runId ?? '',
    startedAt: first?.at ?? 0,
    baseline: { median: median(perRunB), p95: quantile(perRunB, 0.95) },
    recent: { median: median(perRunR), p95: quantile(perRunR, 0.95) },
    relativeChange: ratio - 1,
    effectSize: { name: 'rate ratio', value: ratio },
    statistic: { name: 'excess events (z)', value: c.z },
    pValue: c.pValue,
    unit: 'ratio',
    baselineRunIds: c.base.map((p) => p.run.runId),
    recentRunIds: recent.map((p) => p.run.runId),
    explanation,
  }
}

const count = (n: number): string => n.toLocaleString('en-US')

