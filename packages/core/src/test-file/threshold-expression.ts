import type { MetricType } from '../run-result.js'

/** Comparison operators k6 accepts in a threshold expression. */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=' | '==='

/** A threshold expression split into its parts: `p(95)<500` → `{ stat: 'p(95)', operator: '<', value: 500 }`. */
export interface ParsedThreshold {
  /** The aggregation as the metric source names it: `avg`, `min`, `med`, `max`, `p(95)`, `count`, `rate`, `value`. */
  stat: string
  operator: ThresholdOperator
  /** Right-hand side; milliseconds for time metrics, as in k6. */
  value: number
  /** For `p(N)`: N. */
  percentile?: number
}

/** A metric name with its optional tag filter: `http_req_duration{name:home}`. */
export interface MetricSelector {
  metric: string
  tags: Record<string, string>
}

// k6's grammar: <aggregation> <operator> <number>, spaces allowed around each part.
const EXPRESSION_RE = new RegExp(
  '^\\s*(avg|min|med|max|count|rate|value|p\\(\\s*(\\d+(?:\\.\\d+)?)\\s*\\))' + // aggregation, percentile
  '\\s*(===|==|!=|<=|>=|<|>)' + // operator
  '\\s*(-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)\\s*$', // number
  'i',
)
const METRIC_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/

/** Which aggregations k6 allows on each metric type. */
export const STATS_BY_TYPE: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'med', 'max', 'p(N)'],
}

/** Parses one k6 threshold expression such as `p(99.9)<1000` or `rate<0.01`. */
export function parseThreshold (expression: string): { value?: ParsedThreshold, error?: string } {
  const match = EXPRESSION_RE.exec(expression)
  if (!match) {
    return {
      error: `expected a threshold like 'p(95)<500', 'avg<200' or 'rate<0.01' (aggregation, one of < <= > >= == !=, number), got '${expression}'`,
    }
  }
  const [, rawStat = '', pct, operator = '<', rawValue = '0'] = match
  const value = Number(rawValue)
  const op = operator as ThresholdOperator
  if (pct === undefined) return { value: { stat: rawStat.toLowerCase(), operator: op, value } }
  const percentile = Number(pct)
  if (percentile > 100) return { error: `percentile must be between 0 and 100, got p(${pct}) in '${expression}'` }
  return { value: { stat: `p(${pct})`, operator: op, value, percentile } }
}

/** Parses a threshold key: a metric name with an optional `{tag:value,…}` filter, as k6 writes submetrics. */
export function parseMetricSelector (key: string): { value?: MetricSelector, error?: string } {
  const brace = key.indexOf('{')
  const metric = (brace === -1 ? key : key.slice(0, brace)).trim()
  if (!METRIC_NAME_RE.test(metric)) return { error: `expected a metric name like http_req_duration, got '${metric}'` }
  const tags: Record<string, string> = {}
  if (brace === -1) return { value: { metric, tags } }
  if (!key.trimEnd().endsWith('}')) return { error: `unterminated tag filter in '${key}': expected '}' at the end` }
  const inner = key.slice(brace + 1, key.trimEnd().length - 1)
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':')
    const name = unquote(part.slice(0, colon))
    const value = unquote(part.slice(colon + 1))
    if (colon === -1 || name === '' || value === '') {
      return { error: `expected tag filters like {name:home} or {status:500,method:GET}, got '{${inner}}'` }
    }
    tags[name] = value
  }
  return { value: { metric, tags } }
}

/** Checks an aggregation against the metric type; returns the problem, or undefined when k6 would accept it. */
export function statProblem (stat: string, type: MetricType, metric: string): string | undefined {
  const allowed = STATS_BY_TYPE[type]
  const key = stat.startsWith('p(') ? 'p(N)' : stat
  if (allowed.includes(key)) return undefined
  return `'${stat}' is not an aggregation of ${metric} (a ${type} metric); use ${allowed.join(', ')}`
}

/** The canonical text of a selector, as k6 names the submetric: `http_req_duration{name:home}`. */
export function formatMetricSelector (selector: MetricSelector): string {
  const tags = Object.entries(selector.tags).map(([k, v]) => `${k}:${v}`)
  return tags.length === 0 ? selector.metric : `${selector.metric}{${tags.join(',')}}`
}

function unquote (text: string): string {
  return text.trim().replace(/^(["'`])(.*)\1$/, '$2')
}
