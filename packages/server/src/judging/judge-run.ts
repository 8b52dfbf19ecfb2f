import type { RunMetrics, RunVerdict, ThresholdResult } from '@loadfleet/api'
import { expandExpectedStatuses } from '@loadfleet/api'
import { parseMetricSelector, parseThreshold, BUILTIN_METRICS, ERROR_KINDS, type ParsedThreshold } from '@loadfleet/core'

/** A threshold in force for a run, and whether the site or the defaults set it. */
export interface EffectiveThreshold {
  metric: string
  expression: string
  source: 'site' | 'default'
}

/** What an agent reported, as the finish route parsed it. */
export interface ReportedResult {
  status: 'passed' | 'failed' | 'error' | 'aborted'
  errorMessage: string | null
  metrics: RunMetrics | null
  summary: Record<string, unknown> | null
}

/** The control plane's judgement of a run, and the figures stored beside it. */
export interface JudgedRun {
  status: 'passed' | 'failed' | 'error' | 'aborted'
  failureReason: string | null
  verdict: RunVerdict | null
  metrics: RunMetrics | null
  requests: number | null
  failedRequests: number | null
  statusCounts: Record<string, number> | null
  errorKinds: Record<string, number> | null
  /** The http_req_duration HdrHistogram as the engine encoded it, or null. */
  latencyHistogram: string | null
}

/**
 * The thresholds in force: the defaults (admin config), each metric key of which the site may replace with its own
 * list (an empty list removes it).
 */
export function effectiveThresholds (
  defaults: Record<string, readonly string[]>,
  site: Record<string, readonly string[]>,
): EffectiveThreshold[] {
  const out: EffectiveThreshold[] = []
  for (const [metric, list] of Object.entries(defaults)) {
    if (Object.hasOwn(site, metric)) continue
    for (const expression of list) out.push({ metric, expression, source: 'default' })
  }
  for (const [metric, list] of Object.entries(site)) {
    for (const expression of list) out.push({ metric, expression, source: 'site' })
  }
  return out
}

/** Thresholds a script declares are at most this many per run; the rest of a (hostile) summary's list is ignored. */
const SCRIPT_THRESHOLDS_MAX = 200

/**
 * A scripted site's own thresholds (its `options.thresholds`), read from the reported summary and judged like the
 * site's, so a threshold the script declares decides its run's verdict too. Those already in force are not repeated.
 */
export function scriptThresholdsOf (summary: Record<string, unknown> | null, inForce: readonly EffectiveThreshold[]):
EffectiveThreshold[] {
  const seen = new Set(inForce.map((t) => `${t.metric}\u0000${t.expression}`))
  const out: EffectiveThreshold[] = []
  for (const v of viewOf(summary).thresholds.slice(0, SCRIPT_THRESHOLDS_MAX)) {
    if (typeof v.metric !== 'string' || typeof v.expression !== 'string') continue
    const key = `${v.metric}\u0000${v.expression}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ metric: v.metric, expression: v.expression, source: 'site' })
  }
  return out
}

/** The same thresholds as the k6-shaped record an agent hands its engine. */
export function thresholdsRecord (thresholds: readonly EffectiveThreshold[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const { metric, expression } of thresholds) (out[metric] ??= []).push(expression)
  return out
}

interface SummaryView {
  metrics: Record<string, { values?: Record<string, number> }>
  thresholds: Array<{ metric?: unknown, expression?: unknown, ok?: unknown }>
  statusCodes: Record<string, number> | null
  errorKinds: Record<string, number> | null
  histograms: Record<string, unknown>
}

function isRecord (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

// Only real status codes and known error kinds with whole, non-negative counts are read: a result is input.
function countsOf (x: unknown, validKey: (key: string) => boolean): Record<string, number> | null {
  if (!isRecord(x)) return null
  const out: Record<string, number> = {}
  for (const [key, value] of Object.entries(x)) {
    if (validKey(key) && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) out[key] = value
  }
  return out
}

const isStatusCode = (key: string): boolean => /^[1-5]\d\d$/.test(key)
const isErrorKind = (key: string): boolean => (ERROR_KINDS as readonly string[]).includes(key)

function viewOf (summary: Record<string, unknown> | null): SummaryView {
  const s = summary ?? {}
  return {
    metrics: isRecord(s.metrics) ? s.metrics as SummaryView['metrics'] : {},
    thresholds: Array.isArray(s.thresholds) ? s.thresholds as SummaryView['thresholds'] : [],
    statusCodes: countsOf(s.statusCodes, isStatusCode),
    errorKinds: countsOf(s.errorKinds, isErrorKind),
    histograms: isRecord(s.histograms) ? s.histograms : {},
  }
}

const sum = (counts: Record<string, number> | null): number =>
  counts === null ? 0 : Object.values(counts).reduce((a, b) => a + b, 0)

/**
 * Requests and failed requests, recounted from the per-status and per-error-kind counts with the site's expected
 * statuses, so every agent version is judged by the same rule; from the engine's http_req_failed when the result
 * has no per-status counts; null when neither is there.
 */
function requestCounts (view: SummaryView, expected: ReadonlySet<number>): { requests: number, failed: number } | null {
  if (view.statusCodes !== null && view.errorKinds !== null) {
    let failed = sum(view.errorKinds)
    for (const [code, n] of Object.entries(view.statusCodes)) if (!expected.has(Number(code))) failed += n
    return { requests: sum(view.statusCodes) + sum(view.errorKinds), failed }
  }
  const values = view.metrics.http_req_failed?.values
  // k6's Rate metric: `passes` counts true samples (failed requests), `fails` false ones (successes).
  if (values?.passes !== undefined && values.fails !== undefined) {
    return { requests: values.passes + values.fails, failed: values.passes }
  }
  return null
}

function compare (observed: number, { operator, value }: ParsedThreshold): boolean {
  switch (operator) {
    case '<': return observed < value
    case '<=': return observed <= value
    case '>': return observed > value
    case '>=': return observed >= value
    case '==':
    case '===': return observed === value
    case '!=': return observed !== value
  }
}

interface JudgeContext {
  view: SummaryView
  counts: { requests: number, failed: number } | null
  noSuccess: boolean
  errorRate: number | null
}

/** One threshold's observed value and verdict; an aggregation the result lacks passes, as in k6. */
function judgeThreshold (t: EffectiveThreshold, ctx: JudgeContext): ThresholdResult {
  const selector = parseMetricSelector(t.metric).value
  const parsed = parseThreshold(t.expression).value
  const result = { metric: t.metric, expression: t.expression, source: t.source }
  if (selector === undefined || parsed === undefined) return { ...result, observed: null, ok: true }
  const untagged = Object.keys(selector.tags).length === 0
  let observed: number | undefined
  if (untagged && selector.metric === 'http_req_failed' && parsed.stat === 'rate' && ctx.counts !== null) {
    observed = ctx.counts.requests > 0 ? ctx.counts.failed / ctx.counts.requests : undefined
  } else if (untagged && selector.metric === 'http_req_failed' && parsed.stat === 'rate' && ctx.errorRate !== null) {
    observed = ctx.errorRate // a result with no summary: the reported error rate
  } else if (BUILTIN_METRICS[selector.metric]?.type === 'trend' && selector.metric.startsWith('http_req') && ctx.noSuccess) {
    observed = undefined // no successful request: no latency to judge
  } else {
    observed = ctx.view.metrics[t.metric]?.values?.[parsed.stat]
  }
  if (observed !== undefined && Number.isFinite(observed)) {
    return { ...result, observed, ok: compare(observed, parsed) }
  }
  // The engine judged it (e.g. a percentile the summary does not list): take its verdict.
  const engine = ctx.view.thresholds.find((v) => v.metric === t.metric && v.expression === t.expression)
  return { ...result, observed: null, ok: engine?.ok !== false }
}

function formatObserved (metric: string, stat: string, observed: number | null): string {
  if (observed === null) return 'observed by the engine'
  const info = BUILTIN_METRICS[parseMetricSelector(metric).value?.metric ?? metric]
  if (stat === 'rate' && info?.type === 'rate') return `observed ${stat}=${Number((observed * 100).toPrecision(4))} %`
  const unit = info?.contains === 'time' ? ' ms' : ''
  return `observed ${stat}=${Number(observed.toPrecision(6))}${unit}`
}

/** "http_req_failed rate<0.05 crossed (observed rate=100 %)". */
export function describeCrossed (t: ThresholdResult): string {
  const stat = parseThreshold(t.expression).value?.stat ?? 'value'
  return `${t.metric} ${t.expression} crossed (${formatObserved(t.metric, stat, t.observed)})`
}

function describeNoSuccess (counts: { requests: number, failed: number } | null, view: SummaryView): string {
  if (counts === null || counts.requests === 0) return 'no request was made'
  const parts: string[] = []
  for (const [kind, n] of Object.entries(view.errorKinds ?? {})) if (n > 0) parts.push(`${n} ${kind}`)
  for (const [code, n] of Object.entries(view.statusCodes ?? {})) if (n > 0) parts.push(`${n} × HTTP ${code}`)
  return `no request succeeded: ${counts.failed} of ${counts.requests} failed${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`
}

/**
 * Judges a reported run: `error` stays `error`; otherwise a run in which no request succeeded is `failed`, as is one
 * with a threshold crossed; else `passed`. The agent's own passed/failed is not trusted, so every agent version is
 * judged the same. Latency figures of a run with no successful request are removed (there is no latency).
 */
export function judgeRun (options: {
  reported: ReportedResult
  thresholds: readonly EffectiveThreshold[]
  expectedStatuses: ReadonlyArray<number | string>
}): JudgedRun {
  const { reported } = options
  const view = viewOf(reported.summary)
  const counts = requestCounts(view, new Set(expandExpectedStatuses(options.expectedStatuses)))
  const noSuccess = counts === null
    ? reported.metrics !== null && (reported.metrics.iterations === 0 || reported.metrics.error_rate >= 1)
    : counts.requests === 0 || counts.failed >= counts.requests
  const histogram = view.histograms.http_req_duration
  const metrics = reported.metrics === null
    ? null
    : noSuccess
      ? {
        ...reported.metrics, p50_ms: null, p95_ms: null, p99_ms: null, avg_ms: null,
        error_rate: counts === null ? reported.metrics.error_rate : 1,
      }
      : counts === null || counts.requests === 0
        ? reported.metrics
        : { ...reported.metrics, error_rate: counts.failed / counts.requests }
  const base = {
    metrics,
    requests: counts?.requests ?? null,
    failedRequests: counts?.failed ?? null,
    statusCounts: view.statusCodes,
    errorKinds: view.errorKinds,
    latencyHistogram: typeof histogram === 'string' && !noSuccess ? histogram : null,
  }
  if (reported.status === 'error' || reported.status === 'aborted') {
    const reason = reported.errorMessage ?? (reported.status === 'error' ? 'the run could not complete' : 'the run was stopped')
    return { ...base, status: reported.status, failureReason: reason, verdict: null }
  }
  const ctx: JudgeContext = { view, counts, noSuccess, errorRate: reported.metrics?.error_rate ?? null }
  const results = options.thresholds.map((t) => judgeThreshold(t, ctx))
  const crossed = results.filter((r) => !r.ok)
  const reasons = [
    ...(noSuccess && (counts !== null || reported.metrics !== null) ? [describeNoSuccess(counts, view)] : []),
    ...crossed.map(describeCrossed),
  ]
  const reason = reasons.length === 0 ? null : reasons.join('; ')
  return {
    ...base,
    status: reason === null ? 'passed' : 'failed',
    failureReason: reason,
    verdict: { thresholds: results, requests: base.requests, failedRequests: base.failedRequests, reason },
  }
}
