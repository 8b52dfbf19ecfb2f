import type { RunResult } from '../run-result.js'
import { GATE_METRICS } from './schema.js'

/** A figure a gate criterion may name. */
export type GateMetric = typeof GATE_METRICS[number]

/** The figures of one run a gate judges: latencies in ms, error_rate a fraction (0–1), rps per second. */
export type GateMetrics = Partial<Record<GateMetric, number>>

/** A criterion as written: absolute (`<500`) or relative to the baseline (`<=+10%`). */
export interface Criterion {
  op: '<' | '<=' | '>' | '>='
  /** `relative`: `value` is a percentage change from the baseline; `absolute`: a value in the metric's unit. */
  kind: 'absolute' | 'relative'
  value: number
}

/** How one criterion judged one run. */
export interface CriterionResult {
  metric: GateMetric
  /** As written in the manifest, e.g. `<=+10%`. */
  criterion: string
  /**
   * `pass`/`fail`: judged; `no-baseline`: a relative criterion with no passing gate to compare with;
   * `no-value`: the run did not produce the figure (e.g. no request succeeded).
   */
  status: 'pass' | 'fail' | 'no-baseline' | 'no-value'
  observed: number | null
  baseline: number | null
  /** The bound the observed value was held to (the baseline scaled by the percentage, for relative criteria). */
  limit: number | null
  /** One line for people: the criterion, the observed value and, when relative, the baseline. */
  message: string
}

const CRITERION_RE = /^(<=|<|>=|>)\s*([+-]\d+(?:\.\d+)?%|\d+(?:\.\d+)?)$/

/** Parses a criterion the manifest schema has accepted; undefined for anything else. */
export function parseCriterion (text: string): Criterion | undefined {
  const match = CRITERION_RE.exec(text.trim())
  if (match === null) return undefined
  const [, op, raw] = match as unknown as [string, Criterion['op'], string]
  return raw.endsWith('%')
    ? { op, kind: 'relative', value: Number(raw.slice(0, -1)) }
    : { op, kind: 'absolute', value: Number(raw) }
}

/** The gate figures of a finished run, from its k6-shaped summary. */
export function gateMetricsOf (result: RunResult): GateMetrics {
  const duration = result.metrics.http_req_duration?.values
  const failed = result.metrics.http_req_failed?.values
  const reqs = result.metrics.http_reqs?.values
  const out: GateMetrics = {}
  const put = (metric: GateMetric, value: number | undefined): void => {
    if (value !== undefined && Number.isFinite(value)) out[metric] = value
  }
  put('p50', duration?.med)
  put('p90', duration?.['p(90)'])
  put('p95', duration?.['p(95)'])
  put('p99', duration?.['p(99)'])
  put('avg', duration?.avg)
  put('error_rate', failed?.rate)
  put('rps', reqs?.rate ?? (reqs?.count !== undefined && result.durationMs > 0 ? reqs.count / (result.durationMs / 1000) : undefined))
  return out
}

/** Units shown after a metric's values. */
function unitOf (metric: GateMetric): string {
  return metric === 'error_rate' ? '' : metric === 'rps' ? ' req/s' : ' ms'
}

/** A value rounded for people: at most three decimals, no trailing zeros. */
export function formatGateValue (metric: GateMetric, value: number): string {
  return `${Number(value.toFixed(3))}${unitOf(metric)}`
}

function holds (op: Criterion['op'], observed: number, limit: number): boolean {
  switch (op) {
    case '<': return observed < limit
    case '<=': return observed <= limit
    case '>': return observed > limit
    case '>=': return observed >= limit
  }
}

/** Options of `judgeCriterion`. */
export interface JudgeCriterionOptions {
  metric: GateMetric
  criterion: string
  observed: GateMetrics
  /** The same test's figures in the previous passing gate; undefined when there is none. */
  baseline: GateMetrics | undefined
}

/**
 * Judges one criterion. A relative criterion holds the observed value to the baseline scaled by the percentage
 * (`<=+10%`: at most 110 % of the baseline); without a baseline it is not judged.
 */
export function judgeCriterion (options: JudgeCriterionOptions): CriterionResult {
  const { metric, criterion } = options
  const parsed = parseCriterion(criterion)
  const observed = options.observed[metric] ?? null
  const baseline = options.baseline?.[metric] ?? null
  const base = { metric, criterion, observed, baseline, limit: null }
  const shown = (v: number) => formatGateValue(metric, v)
  if (parsed === undefined) return { ...base, status: 'no-value', message: `${metric} ${criterion}: not a criterion` }
  if (observed === null) {
    return { ...base, status: 'no-value', message: `${metric} ${criterion}: the run measured no ${metric}` }
  }
  if (parsed.kind === 'absolute') {
    const ok = holds(parsed.op, observed, parsed.value)
    return { ...base, limit: parsed.value, status: ok ? 'pass' : 'fail',
      message: `${metric} ${criterion}: observed ${shown(observed)}${ok ? '' : ` (limit ${shown(parsed.value)})`}` }
  }
  if (baseline === null) {
    return { ...base, status: 'no-baseline',
      message: `${metric} ${criterion}: observed ${shown(observed)}, no passing baseline to compare with` }
  }
  const limit = baseline * (1 + parsed.value / 100)
  const ok = holds(parsed.op, observed, limit)
  const change = baseline === 0 ? '' : ` (${observed >= baseline ? '+' : ''}${((observed / baseline - 1) * 100).toFixed(1)}%)`
  return { ...base, limit, status: ok ? 'pass' : 'fail',
    message: `${metric} ${criterion}: observed ${shown(observed)}${change} against baseline ${shown(baseline)}, ` +
      `limit ${shown(limit)}` }
}

/** Judges every criterion of a gate for one run, in the manifest's order. */
export function judgeCriteria (criteria: Partial<Record<GateMetric, string>> | undefined, observed: GateMetrics,
  baseline: GateMetrics | undefined): CriterionResult[] {
  return Object.entries(criteria ?? {}).flatMap(([metric, criterion]) => criterion === undefined
    ? []
    : [judgeCriterion({ metric: metric as GateMetric, criterion, observed, baseline })])
}
