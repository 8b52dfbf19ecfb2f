import {
  parseMetricSelector, parseThreshold, type ParsedThreshold, type ThresholdSpec, type ThresholdVerdict,
} from '@loadfleet/core'

/** What threshold evaluation needs from the metrics: implemented by the runtime's metrics registry. */
export interface MetricSource {
  /** The value of one aggregation on one (sub)metric, or undefined when the metric has no samples/doesn't exist. */
  // stat: 'avg', 'min', 'med', 'max', 'p(95)', 'count', 'rate', 'value'
  stat (metric: string, tags: Record<string, string>, stat: string): number | undefined
}

/** One (sub)metric aggregation a threshold reads; the runtime must be able to answer each. */
export interface StatReference {
  metric: string
  tags: Record<string, string>
  stat: string
}

/** A threshold spec split into selector and expression once, so evaluation in the run loop does no parsing. */
export interface CompiledThreshold {
  spec: ThresholdSpec
  metric: string
  tags: Record<string, string>
  parsed: ParsedThreshold
}

/** Parses every spec; specs come from the test-file parser, which already rejected malformed ones. */
export function compileThresholds (specs: readonly ThresholdSpec[]): CompiledThreshold[] {
  return specs.flatMap((spec) => {
    const selector = parseMetricSelector(spec.metric).value
    const parsed = parseThreshold(spec.expression).value
    return selector === undefined || parsed === undefined ? [] : [{ spec, ...selector, parsed }]
  })
}

/**
 * Judges each threshold against the metrics. A threshold whose metric has no samples (or no such tag
 * combination) PASSES, as in k6, which skips thresholds of empty metric sinks instead of failing them.
 */
export function evaluateThresholds (
  specs: readonly ThresholdSpec[] | readonly CompiledThreshold[],
  source: MetricSource,
): ThresholdVerdict[] {
  const compiled = specs.map((s) => 'parsed' in s ? s : compileThresholds([s])[0]).filter((c) => c !== undefined)
  return compiled.map(({ spec, metric, tags, parsed }) => {
    const observed = source.stat(metric, tags, parsed.stat)
    return {
      metric: spec.metric,
      expression: spec.expression,
      ok: observed === undefined || compare(observed, parsed),
      abortOnFail: spec.abortOnFail,
    }
  })
}

/** The (metric, tags, stat) tuples the thresholds read, without duplicates. */
export function statsReferenced (specs: readonly ThresholdSpec[]): StatReference[] {
  const seen = new Map<string, StatReference>()
  for (const { metric, tags, parsed } of compileThresholds(specs)) {
    const key = JSON.stringify([metric, Object.entries(tags).sort(), parsed.stat])
    if (!seen.has(key)) seen.set(key, { metric, tags, stat: parsed.stat })
  }
  return [...seen.values()]
}

/** Applies the expression's operator; `observed` is in the metric's unit (ms for time metrics). */
export function compare (observed: number, { operator, value }: ParsedThreshold): boolean {
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
