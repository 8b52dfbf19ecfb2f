// The alert rule condition language, parsed without zod so the dashboard can check a condition as it is typed.

/** Run figures a metric condition can compare. */
export const ALERT_METRICS = ['p50', 'p95', 'p99', 'avg', 'error_rate', 'rps'] as const
export type AlertMetric = typeof ALERT_METRICS[number]

/** Metrics a `regression(...)` condition can name (the detector's change metrics). */
export const REGRESSION_METRICS = [
  'p50', 'p95', 'p99', 'latency_distribution', 'error_rate', 'status_5xx', 'status_4xx', 'error_timeout',
  'error_refused', 'error_reset', 'error_dns', 'error_tls', 'throughput',
] as const

export type AlertComparator = '>' | '>=' | '<' | '<='

/**
 * A parsed condition:
 * - `threshold`: the run's figure compared with a fixed value (`p95 > 500ms`, `error_rate > 5%`, `rps < 10`);
 *   latencies are held in ms and error rates as a ratio.
 * - `relative`: the run's figure compared with its site's baseline (`p95 > +50%`): `ratio` 0.5 means 50 % above.
 * - `regression`: the detector holds an open change on one of `metrics` (all metrics when empty).
 * - `failed`: the run ended `failed` or `error`.
 * - `no_run`: no run started for `factor` × the site's run interval.
 */
export type AlertCondition =
  | { kind: 'threshold', metric: AlertMetric, op: AlertComparator, value: number }
  | { kind: 'relative', metric: AlertMetric, op: AlertComparator, ratio: number }
  | { kind: 'regression', metrics: string[] }
  | { kind: 'failed' }
  | { kind: 'no_run', factor: number }

export const ALERT_CONDITION_HELP = 'expected "p95 > 500ms", "error_rate > 5%", "p95 > +50%" (relative to the baseline), ' +
  '"regression", "regression(p95, error_rate)", "failed" or "no_run > 3x"'

const THRESHOLD = /^(p50|p95|p99|avg|error_rate|rps)\s*(>=|<=|>|<)\s*([+-])?(\d+(?:\.\d+)?)\s*(ms|s|%)?$/
const REGRESSION = /^regression(?:\s*\(([a-z0-9_,\s]*)\))?$/
const NO_RUN = /^no_run(?:\s*>\s*(\d+(?:\.\d+)?)\s*x)?$/
const LATENCY: readonly string[] = ['p50', 'p95', 'p99', 'avg']

function thresholdOf (match: RegExpExecArray): AlertCondition | string {
  const [, metric = '', op = '>', sign, number = '0', unit] = match
  const value = Number(number)
  if (sign !== undefined) {
    if (unit !== '%') return 'a relative condition needs a percentage, e.g. "p95 > +50%"'
    return { kind: 'relative', metric: metric as AlertMetric, op: op as AlertComparator, ratio: (sign === '-' ? -value : value) / 100 }
  }
  if (LATENCY.includes(metric)) {
    if (unit === '%') return `${metric} is a latency: give it in ms or s, or relative as "+50%"`
    return { kind: 'threshold', metric: metric as AlertMetric, op: op as AlertComparator, value: unit === 's' ? value * 1000 : value }
  }
  if (metric === 'error_rate') {
    if (unit === 'ms' || unit === 's') return 'error_rate is a ratio: give it as "5%" or "0.05"'
    const ratio = unit === '%' ? value / 100 : value
    if (ratio > 1) return 'error_rate cannot be above 100%'
    return { kind: 'threshold', metric, op: op as AlertComparator, value: ratio }
  }
  if (unit !== undefined) return 'rps takes a plain number of requests per second'
  return { kind: 'threshold', metric: metric as AlertMetric, op: op as AlertComparator, value }
}

/** Parses a rule condition; a string answer is the reason it is not one. */
export function parseAlertCondition (text: string): AlertCondition | string {
  const trimmed = text.trim().toLowerCase()
  if (trimmed === 'failed') return { kind: 'failed' }
  const threshold = THRESHOLD.exec(trimmed)
  if (threshold !== null) return thresholdOf(threshold)
  const regression = REGRESSION.exec(trimmed)
  if (regression !== null) {
    const metrics = (regression[1] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '')
    const unknown = metrics.filter((m) => !(REGRESSION_METRICS as readonly string[]).includes(m))
    if (unknown.length > 0) return `unknown regression metric ${unknown.join(', ')}; expected ${REGRESSION_METRICS.join(', ')}`
    return { kind: 'regression', metrics }
  }
  const noRun = NO_RUN.exec(trimmed)
  if (noRun !== null) {
    const factor = Number(noRun[1] ?? '3')
    if (factor < 1 || factor > 100) return 'no_run takes a factor of the run interval between 1x and 100x'
    return { kind: 'no_run', factor }
  }
  return ALERT_CONDITION_HELP
}
