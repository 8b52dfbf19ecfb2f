/** A defensive reading of a run's stored summary (the engine's RunResult, k6 handleSummary-shaped). */
export interface MetricView {
  name: string
  type: 'counter' | 'gauge' | 'rate' | 'trend'
  contains: 'time' | 'data' | 'default'
  values: Record<string, number>
}

export interface ThresholdView { metric: string, expression: string, ok: boolean, abortOnFail: boolean }

export interface CheckView { name: string, passes: number, fails: number }

export interface SummaryView {
  metrics: MetricView[]
  thresholds: ThresholdView[]
  statusCodes: Array<[string, number]>
  errorKinds: Array<[string, number]>
  checks: CheckView[]
  durationMs: number | null
  engine: string | null
}

const TYPES = new Set(['counter', 'gauge', 'rate', 'trend'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function numbers (value: unknown): Record<string, number> {
  const out: Record<string, number> = {}
  if (!isRecord(value)) return out
  for (const [key, n] of Object.entries(value)) if (typeof n === 'number') out[key] = n
  return out
}

function metricsOf (raw: unknown): MetricView[] {
  if (!isRecord(raw)) return []
  const list: MetricView[] = []
  for (const [name, metric] of Object.entries(raw)) {
    if (!isRecord(metric) || typeof metric.type !== 'string' || !TYPES.has(metric.type)) continue
    const contains = metric.contains === 'time' || metric.contains === 'data' ? metric.contains : 'default'
    list.push({ name, type: metric.type as MetricView['type'], contains, values: numbers(metric.values) })
  }
  return list.sort((a, b) => a.name.localeCompare(b.name))
}

function thresholdsOf (summary: Record<string, unknown>): ThresholdView[] {
  const list: ThresholdView[] = []
  if (Array.isArray(summary.thresholds)) {
    for (const item of summary.thresholds as unknown[]) {
      if (!isRecord(item) || typeof item.metric !== 'string' || typeof item.expression !== 'string') continue
      list.push({ metric: item.metric, expression: item.expression, ok: item.ok === true,
        abortOnFail: item.abortOnFail === true })
    }
    return list
  }
  // A k6-shaped summary keeps verdicts on each metric instead.
  if (!isRecord(summary.metrics)) return list
  for (const [metric, value] of Object.entries(summary.metrics)) {
    if (!isRecord(value) || !isRecord(value.thresholds)) continue
    for (const [expression, verdict] of Object.entries(value.thresholds)) {
      list.push({ metric, expression, ok: isRecord(verdict) && verdict.ok === true, abortOnFail: false })
    }
  }
  return list
}

function checksOf (raw: unknown): CheckView[] {
  if (!Array.isArray(raw)) return []
  return (raw as unknown[]).filter(isRecord).map((check) => ({
    name: String(check.name),
    passes: typeof check.passes === 'number' ? check.passes : 0,
    fails: typeof check.fails === 'number' ? check.fails : 0,
  }))
}

const byCountDesc = (a: [string, number], b: [string, number]): number => b[1] - a[1] || a[0].localeCompare(b[0])

export function readSummary (summary: Record<string, unknown> | null): SummaryView | null {
  if (summary === null) return null
  return {
    metrics: metricsOf(summary.metrics),
    thresholds: thresholdsOf(summary),
    statusCodes: Object.entries(numbers(summary.statusCodes)).sort(byCountDesc),
    errorKinds: Object.entries(numbers(summary.errorKinds)).sort(byCountDesc),
    checks: checksOf(summary.checks),
    durationMs: typeof summary.durationMs === 'number' ? summary.durationMs : null,
    engine: typeof summary.engine === 'string' ? summary.engine : null,
  }
}
