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

interface Candidate {
  k: number
  base: CountPoint[]
  pValue: number
  z: number
}

/**
 * Finds the most convincing increase of a per-request event rate among the newest runs: for every split, the
 * events since it are tested against the baseline's with the exact conditional binomial test; the split with the
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
    const from = Math.max(0, k - o.maxBaselineRuns)
    const basePoints = pinned ?? points.slice(from, k)
    if (basePoints.length < o.minBaselineRuns) continue
    const verdict = judge(points.slice(k), pinnedTotals ?? sum(basePoints), o)
    if (verdict !== null && (best === null || verdict.z > best.z)) best = { k, base: [...basePoints], ...verdict }
  }
  return best === null ? null : describe(def, points.slice(best.k), best)
}

function judge (recent: readonly CountPoint[], base: Totals, o: DetectOptions): { pValue: number, z: number } | null {
  const r = sum(recent)
  if (r.trials === 0 || base.trials === 0) return null
  const rateR = r.count / r.trials
  const rateB = base.count / base.trials
  const newest = recent[recent.length - 1]
  // The newest run must still show the raised rate: a change that has already stopped is not reported.
  if (newest === undefined || newest.trials === 0 || newest.count / newest.trials <= rateB) return null
  if (rateR - rateB < o.minRateIncrease) return null
  if (rateR / continuityRate(base) - 1 < o.minRateRatioChange) return null
  const vsBase = (t: Totals): number =>
    rateIncreaseTest({ recent: t.count, recentTrials: t.trials, base: base.count, baseTrials: base.trials })
  const pValue = vsBase(r)
  if (pValue > o.maxCountPValue) return null
  // Robust to a burst: without the run with the highest rate, the others must still show an increase.
  let worst = 0
  for (let i = 1; i < recent.length; i++) if (rateOf(recent[i]) > rateOf(recent[worst])) worst = i
  const rest = sum(recent.filter((_, i) => i !== worst))
  if (vsBase(rest) > o.maxCountPValueWithoutWorstRun) return null
  const total = r.count + base.count
  const share = r.trials / (r.trials + base.trials)
  const z = (r.count - total * share) / Math.sqrt(Math.max(total * share * (1 - share), 1e-9))
  return { pValue, z }
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
    `(exact binomial p = ${formatP(c.pValue)}).`
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

