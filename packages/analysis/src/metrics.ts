import { logMeanOf } from './histogram.js'
import type { ChangeMetric, RunSample } from './types.js'

/**
 * A metric judged on one value per run (latency figures, throughput): compared on a log scale, because latency
 * noise is multiplicative (a run 10 % slower is as likely at 20 ms as at 200 ms).
 */
export interface LevelMetric {
  kind: 'level'
  metric: ChangeMetric
  /** What the explanation calls it. */
  label: string
  unit: 'ms' | 'req/s'
  /** Which way is worse. */
  worse: 'increase' | 'decrease'
  value: (run: RunSample) => number | null
}

/** A metric counted per request (failures, status classes, error kinds): judged with exact count tests. */
export interface CountMetric {
  kind: 'count'
  metric: ChangeMetric
  label: string
  count: (run: RunSample) => number
}

export type MetricDefinition = LevelMetric | CountMetric

const positive = (v: number | null): number | null => (v !== null && Number.isFinite(v) && v > 0 ? v : null)

function statusClass (run: RunSample, first: string): number {
  let n = 0
  for (const [code, count] of Object.entries(run.statusCounts)) if (code.length === 3 && code[0] === first) n += count
  return n
}

/** Geometric-mean latency (ms) of the run's whole histogram; null without one. */
export function distributionValue (run: RunSample): number | null {
  if (run.latencyHistogram === null) return null
  const logMean = logMeanOf(run.latencyHistogram)
  return logMean === null ? null : Math.exp(logMean)
}

const errorKind = (metric: ChangeMetric, kind: string, label: string): CountMetric =>
  ({ kind: 'count', metric, label, count: (r) => r.errorKinds[kind] ?? 0 })

/** Every metric the detector judges, in report order. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  { kind: 'level', metric: 'p50', label: 'p50', unit: 'ms', worse: 'increase', value: (r) => positive(r.p50Ms) },
  { kind: 'level', metric: 'p95', label: 'p95', unit: 'ms', worse: 'increase', value: (r) => positive(r.p95Ms) },
  { kind: 'level', metric: 'p99', label: 'p99', unit: 'ms', worse: 'increase', value: (r) => positive(r.p99Ms) },
  { kind: 'level', metric: 'latency_distribution', label: 'geometric-mean latency', unit: 'ms', worse: 'increase',
    value: distributionValue },
  { kind: 'count', metric: 'error_rate', label: 'failed requests', count: (r) => r.failedRequests },
  { kind: 'count', metric: 'status_5xx', label: '5xx responses', count: (r) => statusClass(r, '5') },
  { kind: 'count', metric: 'status_4xx', label: '4xx responses', count: (r) => statusClass(r, '4') },
  errorKind('error_timeout', 'timeout', 'timeouts'),
  errorKind('error_refused', 'refused', 'refused connections'),
  errorKind('error_reset', 'reset', 'connection resets'),
  errorKind('error_dns', 'dns', 'DNS failures'),
  errorKind('error_tls', 'tls', 'TLS failures'),
  { kind: 'level', metric: 'throughput', label: 'throughput', unit: 'req/s', worse: 'decrease',
    value: (r) => positive(r.rps) },
]
