import { defineError } from '../errors.js'
import type { CheckResult, MetricSummary, MetricType, ThresholdVerdict } from '../run-result.js'
import { metricInfoOf, type MetricInfo } from './builtin-metrics.js'

/** k6 wrote something that is not a summary of the expected format (truncated file, another version). */
export const K6SummaryInvalid = defineError('LF_K6_SUMMARY_INVALID', 502,
  (d: { format: 'summary-export' | 'handleSummary', reason: string }) =>
    `k6 ${d.format} file is not in the expected format: ${d.reason}`)

/** What a k6 summary file tells about a run: the parts of a RunResult that k6 reports. */
export interface K6SummaryData {
  metrics: Record<string, MetricSummary>
  /** `ok: true` means the threshold PASSED, whichever polarity the file used. */
  thresholds: ThresholdVerdict[]
  /** The test's wall time: given, read from the file, or derived from a counter's count and rate. */
  durationMs: number
  checks: CheckResult[]
}

type Json = Record<string, unknown>

function isObject (x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function numbersOf (raw: Json): Record<string, number> {
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === 'number'))
}

/** A custom metric's type is not in the legacy export; infer it from which values k6 wrote. */
function inferInfo (values: Record<string, number>): MetricInfo {
  let type: MetricType = 'trend'
  if ('passes' in values) type = 'rate'
  else if ('count' in values && 'rate' in values) type = 'counter'
  else if ('value' in values && !('avg' in values)) type = 'gauge'
  return { type, contains: 'default' }
}

/** Reads k6's legacy `--summary-export` JSON. Its thresholds map an expression to `true` when it FAILED. */
export function parseK6SummaryExport (json: unknown, options: { durationMs?: number } = {}): K6SummaryData {
  if (!isObject(json) || !isObject(json.metrics)) {
    throw new K6SummaryInvalid({ format: 'summary-export', reason: 'no "metrics" object' })
  }
  const metrics: Record<string, MetricSummary> = {}
  const thresholds: ThresholdVerdict[] = []
  for (const [name, raw] of Object.entries(json.metrics)) {
    if (!isObject(raw)) continue
    const flat = numbersOf(raw)
    const info = metricInfoOf(name, inferInfo(flat))
    const values = info.type === 'rate' ? { rate: flat.value ?? 0, passes: flat.passes ?? 0, fails: flat.fails ?? 0 } : flat
    const metric: MetricSummary = { type: info.type, contains: info.contains, values }
    if (isObject(raw.thresholds)) {
      metric.thresholds = {}
      for (const [expression, failed] of Object.entries(raw.thresholds)) {
        metric.thresholds[expression] = { ok: failed !== true }
        thresholds.push({ metric: name, expression, ok: failed !== true, abortOnFail: false })
      }
    }
    metrics[name] = metric
  }
  const checks = isObject(json.root_group) ? checksOfGroup(json.root_group) : []
  return { metrics, thresholds, durationMs: options.durationMs ?? durationFromCounters(metrics), checks }
}

/** Reads the object k6 passes to `handleSummary(data)`: metrics already typed, `thresholds.expr.ok` = passed. */
export function parseK6HandleSummary (json: unknown): K6SummaryData {
  if (!isObject(json) || !isObject(json.metrics)) {
    throw new K6SummaryInvalid({ format: 'handleSummary', reason: 'no "metrics" object' })
  }
  const metrics: Record<string, MetricSummary> = {}
  const thresholds: ThresholdVerdict[] = []
  for (const [name, raw] of Object.entries(json.metrics)) {
    if (!isObject(raw) || !isObject(raw.values)) continue
    const values = numbersOf(raw.values)
    const inferred = metricInfoOf(name, inferInfo(values))
    const type = isMetricType(raw.type) ? raw.type : inferred.type
    const contains = raw.contains === 'time' || raw.contains === 'data' ? raw.contains : 'default'
    const metric: MetricSummary = { type, contains, values }
    if (isObject(raw.thresholds)) {
      metric.thresholds = {}
      for (const [expression, verdict] of Object.entries(raw.thresholds)) {
        const ok = isObject(verdict) && verdict.ok === true
        metric.thresholds[expression] = { ok }
        thresholds.push({ metric: name, expression, ok, abortOnFail: false })
      }
    }
    metrics[name] = metric
  }
  const state = isObject(json.state) ? json.state : {}
  const durationMs = typeof state.testRunDurationMs === 'number' ? state.testRunDurationMs : durationFromCounters(metrics)
  const checks = isObject(json.root_group) ? checksOfGroup(json.root_group) : []
  return { metrics, thresholds, durationMs, checks }
}

function isMetricType (x: unknown): x is MetricType {
  return x === 'counter' || x === 'gauge' || x === 'rate' || x === 'trend'
}

/** k6 reports counters' rate per second over the test's duration, so count / rate recovers the duration. */
function durationFromCounters (metrics: Record<string, MetricSummary>): number {
  for (const name of ['http_reqs', 'iterations', 'data_sent', 'data_received']) {
    const v = metrics[name]?.values
    if (v?.count !== undefined && v.rate !== undefined && v.rate > 0) return (v.count / v.rate) * 1000
  }
  return 0
}

/** Checks of a group and its subgroups; the export uses objects keyed by name, handleSummary uses arrays. */
function checksOfGroup (group: Json): CheckResult[] {
  const own = Object.values(isObject(group.checks) || Array.isArray(group.checks) ? group.checks : {})
  const subgroups = Object.values(isObject(group.groups) || Array.isArray(group.groups) ? group.groups : {})
  const checks: CheckResult[] = own.filter(isObject).map((c) => ({
    name: typeof c.path === 'string' && c.path.startsWith('::') ? c.path.slice(2) : typeof c.name === 'string' ? c.name : '',
    passes: typeof c.passes === 'number' ? c.passes : 0,
    fails: typeof c.fails === 'number' ? c.fails : 0,
  }))
  return [...checks, ...subgroups.filter(isObject).flatMap(checksOfGroup)]
}
