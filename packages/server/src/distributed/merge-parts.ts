import type { Selectable } from 'kysely'
import { parseThreshold } from '@loadfleet/core'
import type { RunResult, ThresholdSpec } from '@loadfleet/core'
import type { DistributedRunRow, RunPartRow } from '../db/schema.js'

/** The merged outcome of a distributed run, judged once. */
export interface MergedRun {
  status: 'passed' | 'failed' | 'error'
  failureReason: string | null
  result: RunResult | null
}

function isResult (x: unknown): x is RunResult {
  if (typeof x !== 'object' || x === null) return false
  const r = x as Partial<RunResult>
  return typeof r.metrics === 'object' && r.metrics !== null && typeof r.startedAt === 'number' &&
    typeof r.finishedAt === 'number' && typeof r.durationMs === 'number'
}

/**
 * Merges the parts' engine results (see the engine's `mergeRunResults`: exact histogram merge, counters summed,
 * rates over the whole wall time) and judges the thresholds once on the merged metrics. A test file's thresholds
 * are known from its text; a script's are those its parts evaluated (every part runs the same options).
 */
export async function mergeParts (run: Selectable<DistributedRunRow>, parts: ReadonlyArray<Selectable<RunPartRow>>):
Promise<MergedRun> {
  const results: RunResult[] = []
  for (const p of parts) {
    const parsed: unknown = p.result_json === null ? null : JSON.parse(p.result_json)
    if (!isResult(parsed)) {
      return { status: 'error', failureReason: `part ${p.part_index + 1} (${p.segment}) sent no engine result`, result: null }
    }
    results.push(parsed)
  }
  const declared = JSON.parse(run.thresholds_json) as ThresholdSpec[]
  const thresholds = declared.length > 0 ? declared : thresholdsOfParts(results)
  try {
    const { mergeRunResults } = await import('@loadfleet/engine')
    const result = mergeRunResults(results, {
      thresholds, summaryTrendStats: JSON.parse(run.trend_stats_json) as string[],
    })
    return { status: result.outcome, failureReason: reasonOf(result), result }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return { status: 'error', failureReason: `the parts' results could not be merged: ${message}`, result: null }
  }
}

function thresholdsOfParts (results: readonly RunResult[]): ThresholdSpec[] {
  const seen = new Map<string, ThresholdSpec>()
  for (const r of results) {
    for (const t of Array.isArray(r.thresholds) ? r.thresholds : []) {
      if (typeof t?.metric !== 'string' || typeof t.expression !== 'string') continue
      seen.set(JSON.stringify([t.metric, t.expression]), {
        metric: t.metric, expression: t.expression, abortOnFail: false, delayAbortEvalMs: 0,
      })
    }
  }
  return [...seen.values()]
}

/** "http_req_duration p(95)<500 crossed (observed p(95)=612 ms)"; null when nothing was crossed. */
function reasonOf (result: RunResult): string | null {
  if (result.outcome === 'error') return result.errorMessage ?? 'a part could not run'
  const crossed = result.thresholds.filter((t) => !t.ok).map((t) => {
    const stat = parseThreshold(t.expression).value?.stat ?? 'value'
    const summary = result.metrics[t.metric]
    const observed = summary?.values[stat]
    const unit = summary?.contains === 'time' ? ' ms' : ''
    const shown = observed === undefined ? 'observed by the engine' : `observed ${stat}=${Number(observed.toPrecision(6))}${unit}`
    return `${t.metric} ${t.expression} crossed (${shown})`
  })
  return crossed.length === 0 ? null : crossed.join('; ')
}
