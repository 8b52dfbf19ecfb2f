import { detectCountChange } from './counts.js'
import type { CountPoint } from './counts.js'
import { detectLevelChange } from './level.js'
import type { LevelPoint } from './level.js'
import { METRIC_DEFINITIONS } from './metrics.js'
import type { CountMetric, LevelMetric } from './metrics.js'
import { median, quantile } from './stats.js'
import { DEFAULT_DETECT_OPTIONS } from './types.js'
import type { BaselineComparison, DetectedChange, DetectOptions, RunSample } from './types.js'

/** Input of `detectChanges`. */
export interface DetectInput {
  /** This site's completed runs (passed/failed only), oldest → newest. */
  runs: RunSample[]
  /** A pinned baseline (chosen runs or a time range); absent → rolling baseline from `runs`. */
  baseline?: RunSample[]
  /** A change accepted as the new normal: runs before this time are ignored for the rolling baseline. */
  acceptedAt?: number
  options?: Partial<DetectOptions>
}

/** Output of `detectChanges`. */
export interface DetectResult {
  /** At most one change per metric (and direction), in `CHANGE_METRICS` order. */
  changes: DetectedChange[]
  /** The runs the newest run is judged against: the pinned ones, or the rolling baseline before any change. */
  baselineRunIds: string[]
}

/** Judges the newest runs of one site against its baseline. Pure and deterministic. */
export function detectChanges (input: DetectInput): DetectResult {
  const o: DetectOptions = { ...DEFAULT_DETECT_OPTIONS, ...input.options }
  const pinned = input.baseline !== undefined && input.baseline.length > 0 ? input.baseline : null
  let runs = input.runs
  if (pinned === null && input.acceptedAt !== undefined) {
    const acceptedAt = input.acceptedAt
    runs = runs.filter((r) => r.at >= acceptedAt)
  }
  runs = runs.slice(-o.maxRuns)
  // With a pinned baseline, only runs after it can start a change.
  const pinnedUntil = pinned === null ? -Infinity : Math.max(...pinned.map((r) => r.at))
  const pinnedIds = new Set(pinned?.map((r) => r.runId) ?? [])
  const changes: DetectedChange[] = []
  for (const def of METRIC_DEFINITIONS) {
    const ctx = { runs, pinned, pinnedUntil, pinnedIds, o }
    if (def.kind === 'level') changes.push(...levelChanges(def, ctx))
    else {
      const change = countChange(def, ctx)
      if (change !== null) changes.push(change)
    }
  }
  return { changes, baselineRunIds: baselineOf({ runs, pinned, pinnedUntil, pinnedIds, o }, changes) }
}

interface Context {
  runs: readonly RunSample[]
  pinned: RunSample[] | null
  pinnedUntil: number
  pinnedIds: Set<string>
  o: DetectOptions
}

function firstAfter (runs: readonly { run: RunSample }[], ctx: Context): number {
  const i = runs.findIndex((p) => p.run.at > ctx.pinnedUntil && !ctx.pinnedIds.has(p.run.runId))
  return i < 0 ? runs.length : i
}

function levelPoints (def: LevelMetric, runs: readonly RunSample[]): LevelPoint[] {
  const out: LevelPoint[] = []
  for (const run of runs) {
    const value = def.value(run)
    if (value !== null) out.push({ run, value })
  }
  return out
}

function levelChanges (def: LevelMetric, ctx: Context): DetectedChange[] {
  const points = levelPoints(def, ctx.runs)
  const pinnedPoints = ctx.pinned === null ? null : levelPoints(def, ctx.pinned)
  if (pinnedPoints !== null && pinnedPoints.length === 0) return []
  const directions: Array<'increase' | 'decrease'> = [def.worse]
  if (ctx.o.improvements) directions.push(def.worse === 'increase' ? 'decrease' : 'increase')
  const out: DetectedChange[] = []
  for (const direction of directions) {
    const firstCandidate = firstAfter(points, ctx)
    const change = detectLevelChange({ def, points, pinned: pinnedPoints, firstCandidate, direction, options: ctx.o })
    if (change !== null) out.push(change)
  }
  return out
}

function countPoints (def: CountMetric, runs: readonly RunSample[]): CountPoint[] {
  return runs.filter((r) => r.requests > 0)
    .map((run) => ({ run, count: Math.min(def.count(run), run.requests), trials: run.requests }))
}

function countChange (def: CountMetric, ctx: Context): DetectedChange | null {
  const points = countPoints(def, ctx.runs)
  const pinnedPoints = ctx.pinned === null ? null : countPoints(def, ctx.pinned)
  if (pinnedPoints !== null && pinnedPoints.length === 0) return null
  const firstCandidate = firstAfter(points, ctx)
  return detectCountChange({ def, points, pinned: pinnedPoints, firstCandidate, options: ctx.o })
}

/** The pinned runs, or the runs before the earliest change (at most maxBaselineRuns), excluding the newest run. */
function baselineOf (ctx: Context, changes: DetectedChange[]): string[] {
  const { runs, pinned, o } = ctx
  if (pinned !== null) return pinned.map((r) => r.runId)
  const earliest = Math.min(...changes.filter((c) => c.regression).map((c) => c.startedAt))
  const before = runs.slice(0, -1).filter((r) => r.at < earliest)
  return before.slice(-o.maxBaselineRuns).map((r) => r.runId)
}

/** Run vs. baseline comparison for a run page: per metric baseline median/p95, this run's value, relative delta. */
export function compareRunToBaseline (run: RunSample, baseline: RunSample[]): BaselineComparison[] {
  const out: BaselineComparison[] = []
  for (const def of METRIC_DEFINITIONS) {
    if (def.kind === 'level') {
      const value = def.value(run)
      const values = baseline.map(def.value).filter((v): v is number => v !== null)
      if (value === null || values.length === 0) continue
      const med = median(values)
      const reference = { median: med, p95: quantile(values, 0.95) }
      out.push({ metric: def.metric, baseline: reference, value, relativeChange: value / med - 1 })
    } else {
      if (run.requests <= 0) continue
      const rated = baseline.filter((r) => r.requests > 0)
      if (rated.length === 0) continue
      const rates = rated.map((r) => Math.min(def.count(r), r.requests) / r.requests)
      const value = Math.min(def.count(run), run.requests) / run.requests
      const med = median(rates)
      // A baseline without any event: compare with half an event over its requests, so the ratio stays finite.
      const trials = rated.reduce((n, r) => n + r.requests, 0)
      const events = rated.reduce((n, r) => n + Math.min(def.count(r), r.requests), 0)
      const reference = med > 0 ? med : Math.max(events, 0.5) / trials
      const relativeChange = value === med ? 0 : value / reference - 1
      out.push({ metric: def.metric, baseline: { median: med, p95: quantile(rates, 0.95) }, value, relativeChange })
    }
  }
  return out
}
