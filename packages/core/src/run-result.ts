/** How a transport-level failure is classified; counted per kind, never thrown. */
export type ErrorKind = 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'other'
export const ERROR_KINDS: readonly ErrorKind[] = ['timeout', 'refused', 'reset', 'dns', 'tls', 'other']

/** The k6 metric types. */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend'

/**
 * One metric of a finished test, in the shape of k6's `handleSummary(data).metrics[name]`.
 * Trend values of time metrics are milliseconds (fractional), as in k6:
 * `avg min med max p(90) p(95) p(99)`; counters carry `count` and `rate` (per second);
 * rates carry `rate`, `passes` and `fails`; gauges carry `value`, `min` and `max`.
 */
export interface MetricSummary {
  type: MetricType
  contains: 'time' | 'data' | 'default'
  values: Record<string, number>
  /** Threshold expression → verdict; `ok: true` means the threshold PASSED. */
  thresholds?: Record<string, { ok: boolean }>
}

/** The verdict of one threshold expression on one metric. */
export interface ThresholdVerdict {
  metric: string
  expression: string
  ok: boolean
  abortOnFail: boolean
}

/**
 * Final outcome of a test run.
 * - `passed`: the run completed and no threshold was crossed.
 * - `failed`: the run completed (or was aborted by `abortOnFail`) with a threshold crossed.
 * - `error`: the run could not complete (bad target, engine crash, k6 missing, shutdown).
 */
export type RunOutcome = 'passed' | 'failed' | 'error'

/** Everything the engine (ours or k6) learned from one run; the same type whichever engine ran it. */
export interface RunResult {
  engine: 'loadfleet' | 'k6'
  outcome: RunOutcome
  /** Epoch ms. */
  startedAt: number
  finishedAt: number
  /** Wall time the test ran, used for rates (requests/s). */
  durationMs: number
  metrics: Record<string, MetricSummary>
  thresholds: ThresholdVerdict[]
  /** Responses per HTTP status code ("200", "500"); transport failures are in `errorKinds`. */
  statusCodes: Record<string, number>
  errorKinds: Partial<Record<ErrorKind, number>>
  /** Set when a threshold with `abortOnFail` stopped the run early, the run was cancelled, or a script called
   * `test.abort()`. */
  abortedBy?: 'threshold' | 'signal' | 'script'
  /** Iterations started but cut short (graceful stop ran out, or the run was stopped); not in `iterations`. */
  interruptedIterations?: number
  /** Why the run is `error`; absent otherwise. */
  errorMessage?: string
  /** Compressed HdrHistograms (base64, µs) keyed by metric name, so results merge exactly. */
  histograms?: Record<string, string>
  /** Per-check counts (one check per request step: its expected status), as k6 lists them in `root_group`. */
  checks?: CheckResult[]
  /** Paths of the groups a script entered (`::outer::inner`), in the order first entered. */
  groups?: string[]
}

/** How often one named check passed and failed. */
export interface CheckResult {
  name: string
  /** k6's path of the group the check ran in (`::outer::inner`); absent for the root group. */
  group?: string
  passes: number
  fails: number
}

/** The per-run figures the control plane stores and charts (names as in the operations guide). */
export interface RunMetrics {
  p50_ms: number
  p95_ms: number
  p99_ms: number
  avg_ms: number
  error_rate: number
  rps: number
  data_received_bytes: number
  iterations: number
}

/** Extracts the stored per-run figures from a result, as the guide maps them from the summary. */
export function runMetricsOf (result: RunResult): RunMetrics {
  const duration = result.metrics.http_req_duration?.values ?? {}
  const reqs = result.metrics.http_reqs?.values ?? {}
  const seconds = result.durationMs / 1000
  return {
    p50_ms: duration.med ?? 0,
    p95_ms: duration['p(95)'] ?? 0,
    p99_ms: duration['p(99)'] ?? 0,
    avg_ms: duration.avg ?? 0,
    error_rate: result.metrics.http_req_failed?.values.rate ?? 0,
    rps: reqs.rate ?? (seconds > 0 ? (reqs.count ?? 0) / seconds : 0),
    data_received_bytes: result.metrics.data_received?.values.count ?? 0,
    iterations: result.metrics.iterations?.values.count ?? 0,
  }
}
