import type { MetricSummary, MetricType } from '../run-result.js'

/** What k6 knows about each of its built-in metrics; the legacy export omits it, so readers need this table. */
export interface MetricInfo {
  type: MetricType
  contains: MetricSummary['contains']
}

const TIME_TREND: MetricInfo = { type: 'trend', contains: 'time' }

/** k6's built-in HTTP and execution metrics, the only ones a Loadfleet test can produce. */
export const BUILTIN_METRICS: Readonly<Record<string, MetricInfo>> = {
  http_req_duration: TIME_TREND,
  http_req_waiting: TIME_TREND,
  http_req_connecting: TIME_TREND,
  http_req_tls_handshaking: TIME_TREND,
  http_req_blocked: TIME_TREND,
  http_req_sending: TIME_TREND,
  http_req_receiving: TIME_TREND,
  iteration_duration: TIME_TREND,
  group_duration: TIME_TREND,
  http_req_failed: { type: 'rate', contains: 'default' },
  checks: { type: 'rate', contains: 'default' },
  http_reqs: { type: 'counter', contains: 'default' },
  iterations: { type: 'counter', contains: 'default' },
  dropped_iterations: { type: 'counter', contains: 'default' },
  data_received: { type: 'counter', contains: 'data' },
  data_sent: { type: 'counter', contains: 'data' },
  vus: { type: 'gauge', contains: 'default' },
  vus_max: { type: 'gauge', contains: 'default' },
}

/** The metric part of a name that may carry a tag filter: `http_req_duration{name:home}` → `http_req_duration`. */
export function baseMetricName (key: string): string {
  const brace = key.indexOf('{')
  return brace === -1 ? key : key.slice(0, brace)
}

/** Type and content of a (sub)metric; unknown names are treated as k6 treats custom metrics in its export. */
export function metricInfoOf (key: string, fallback: MetricInfo): MetricInfo {
  return BUILTIN_METRICS[baseMetricName(key)] ?? fallback
}
