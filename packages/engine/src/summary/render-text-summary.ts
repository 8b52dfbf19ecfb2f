import { BUILTIN_METRICS, ERROR_KINDS, baseMetricName, type MetricSummary, type RunResult } from '@loadfleet/core'
import { formatBytes, formatNumber, formatPercent, formatPerSecond, formatTimeMs } from './format-values.js'
import { goDuration } from './describe-scenarios.js'

/** Options of the end-of-test text summary. */
export interface TextSummaryOptions {
  /** Trend columns, k6 syntax (`avg`, `p(99)` …); the test's `summaryTrendStats`. */
  trendStats: string[]
  /** Printed first, e.g. the scenario descriptions of `describeScenarios`. */
  scenarioLines?: string[]
  /** ANSI colours (only on a TTY). */
  color?: boolean
  /** `compact` (default) shows the metrics k6 shows by default; `full` every metric, as `--summary-mode=full`. */
  mode?: 'compact' | 'full'
}

/** A row of the TOTAL RESULTS block: a padded name and its value columns. */
interface Row {
  name: string
  /** Extra indent for submetric rows (`{ expected_response:true }`). */
  indent: number
  cells: string[]
  trend: boolean
}

/** Metrics k6's compact summary shows; the rest only in full mode. */
const COMPACT = new Set(['http_req_duration', 'http_req_failed', 'http_reqs', 'iteration_duration', 'iterations',
  'vus', 'vus_max', 'data_received', 'data_sent', 'dropped_iterations'])
const EXECUTION = ['iteration_duration', 'iterations', 'vus', 'vus_max', 'dropped_iterations', 'group_duration']
const GROUPS: Array<[string, (metric: string) => boolean]> = [
  ['HTTP', (m) => m.startsWith('http_')],
  ['EXECUTION', (m) => EXECUTION.includes(m)],
  ['NETWORK', (m) => m.startsWith('data_')],
  ['CUSTOM', (m) => !m.startsWith('http_') && !m.startsWith('data_') && !EXECUTION.includes(m) && m !== 'checks'],
]
// Dots between the longest name and the colon, as k6 pads.
const MIN_DOTS = 3

/** Renders the end-of-test summary as k6 does: THRESHOLDS, then TOTAL RESULTS grouped HTTP / EXECUTION / NETWORK. */
export function renderTextSummary (result: RunResult, options: TextSummaryOptions): string {
  const paint = painter(options.color === true)
  const out: string[] = []
  if (options.scenarioLines !== undefined && options.scenarioLines.length > 0) out.push(...options.scenarioLines, '')
  const stopped = stoppedLine(result)
  if (stopped !== undefined) out.push('', `  ${paint.red('█')} ${stopped}`)
  if (result.thresholds.length > 0) out.push(...thresholdLines(result, paint), '')
  out.push('', '  █ TOTAL RESULTS ', '')
  out.push(...checkLines(result, paint))
  const sections = metricSections(result, options)
  out.push(...alignSections(sections, paint))
  if (result.outcome === 'error' && result.errorMessage !== undefined) out.push('', `  ${paint.red('ERROR')} ${result.errorMessage}`)
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`
}

type Paint = Record<'green' | 'red' | 'cyan' | 'dim', (s: string) => string>

function painter (color: boolean): Paint {
  const wrap = (code: number) => (s: string) => color ? `\x1b[${code}m${s}\x1b[0m` : s
  return { green: wrap(32), red: wrap(31), cyan: wrap(36), dim: wrap(2) }
}

/** Says why a run ended before its planned end, so its figures are not read as a whole run's. */
function stoppedLine (result: RunResult): string | undefined {
  const after = goDuration(Math.round(result.durationMs / 100) * 100)
  if (result.abortedBy === 'signal') {
    return `INTERRUPTED: the test run was aborted by a signal after ${after}; these figures cover only that time`
  }
  if (result.abortedBy === 'threshold') {
    return `ABORTED: a threshold with abortOnFail was crossed after ${after}; the test run was stopped early`
  }
  return undefined
}

function thresholdLines (result: RunResult, paint: Paint): string[] {
  const lines = ['', '  █ THRESHOLDS ']
  const byMetric = new Map<string, typeof result.thresholds>()
  for (const t of result.thresholds) byMetric.set(t.metric, [...(byMetric.get(t.metric) ?? []), t])
  for (const [metric, verdicts] of [...byMetric].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push('', `    ${metric}`)
    for (const v of verdicts) {
      const mark = v.ok ? paint.green('✓') : paint.red('✗')
      const stat = /^\s*(p\(\s*[\d.]+\s*\)|[a-z]+)/.exec(v.expression)?.[1]?.replace(/\s+/g, '') ?? ''
      const observed = observedValue(result.metrics[metric] ?? emptyMetric(metric), stat) ?? '-'
      lines.push(`    ${mark} '${v.expression}' ${stat}=${observed}`)
    }
  }
  return lines
}

/**
 * A metric that received no sample is left out of the results, as in k6; its thresholds still show what was
 * observed: no dropped iteration is `count=0`, no failed request `rate=0.00%`.
 */
function emptyMetric (selector: string): MetricSummary | undefined {
  const info = BUILTIN_METRICS[baseMetricName(selector)]
  if (info?.type === 'counter') return { ...info, values: { count: 0, rate: 0 } }
  if (info?.type === 'rate') return { ...info, values: { rate: 0, passes: 0, fails: 0 } }
  return undefined
}

function observedValue (metric: MetricSummary | undefined, stat: string): string | undefined {
  const value = metric?.values[stat]
  if (metric === undefined || value === undefined) return undefined
  if (metric.type === 'rate') return formatPercent(value)
  if (metric.type === 'counter' && stat === 'rate') return formatPerSecond(value)
  return formatValue(metric, value)
}

function formatValue (metric: MetricSummary, value: number): string {
  if (metric.contains === 'time') return formatTimeMs(value)
  if (metric.contains === 'data') return formatBytes(value)
  return formatNumber(value)
}

function checkLines (result: RunResult, paint: Paint): string[] {
  const checks = result.checks ?? []
  const metric = result.metrics.checks?.values
  const passes = metric?.passes ?? checks.reduce((n, c) => n + c.passes, 0)
  const fails = metric?.fails ?? checks.reduce((n, c) => n + c.fails, 0)
  const total = passes + fails
  if (total === 0) return []
  const seconds = result.durationMs / 1000
  const rows: Row[] = [
    { name: 'checks_total', indent: 0, cells: [String(total), formatPerSecond(seconds > 0 ? total / seconds : 0)], trend: false },
    { name: 'checks_succeeded', indent: 0, cells: [formatPercent(passes / total), `${passes} out of ${total}`], trend: false },
    { name: 'checks_failed', indent: 0, cells: [formatPercent(fails / total), `${fails} out of ${total}`], trend: false },
  ]
  const lines = alignSections([['', rows]], paint)
  let group = ''
  for (const c of [...checks].sort((a, b) => (a.group ?? '').localeCompare(b.group ?? ''))) {
    // A script's checks are listed under their group (`█ outer › inner`), the root group's first.
    if ((c.group ?? '') !== group) {
      group = c.group ?? ''
      if (lines.at(-1) !== '') lines.push('')
      lines.push(`    █ ${group.slice(2).split('::').join(' › ')}`, '')
    }
    const pad = group === '' ? '    ' : '      '
    const n = c.passes + c.fails
    if (c.fails === 0) {
      lines.push(`${pad}${paint.green('✓')} ${c.name}`)
    } else {
      const pct = n === 0 ? 0 : Math.floor((c.passes / n) * 100)
      lines.push(`${pad}${paint.red('✗')} ${c.name}`, `${pad}  ↳  ${pct}% — ✓ ${c.passes} / ✗ ${c.fails}`)
    }
  }
  if (checks.length > 0) lines.push('')
  return lines
}

function metricSections (result: RunResult, options: TextSummaryOptions): Array<[string, Row[]]> {
  const names = Object.keys(result.metrics).sort()
  // A script's own metrics are always shown, as k6's compact summary does.
  const parents = names.filter((n) => !n.includes('{') &&
    (options.mode === 'full' || COMPACT.has(n) || BUILTIN_METRICS[n] === undefined))
  const sections: Array<[string, Row[]]> = []
  for (const [title, belongs] of GROUPS) {
    const rows: Row[] = []
    for (const name of parents.filter(belongs)) {
      rows.push(metricRow(name, 0, result, options))
      for (const sub of names.filter((n) => n.startsWith(`${name}{`))) rows.push(metricRow(sub, 2, result, options))
    }
    if (title === 'HTTP') rows.push(...responseRows(result))
    if (rows.length > 0) sections.push([title, rows])
  }
  return sections
}

function metricRow (name: string, indent: number, result: RunResult, options: TextSummaryOptions): Row {
  const metric = result.metrics[name] ?? { type: 'counter', contains: 'default', values: {} }
  const v = metric.values
  const label = indent === 0 ? name : `{ ${name.slice(name.indexOf('{') + 1, -1).split(',').join(', ')} }`
  switch (metric.type) {
    case 'trend':
      return { name: label, indent, trend: true,
        cells: options.trendStats.map((s) => `${s}=${v[s] === undefined ? '-' : formatValue(metric, v[s])}`) }
    case 'rate': {
      const total = (v.passes ?? 0) + (v.fails ?? 0)
      return { name: label, indent, trend: false, cells: [formatPercent(v.rate ?? 0), `${v.passes ?? 0} out of ${total}`] }
    }
    case 'counter':
      return { name: label, indent, trend: false,
        cells: [formatValue(metric, v.count ?? 0), countRate(metric, v.rate ?? 0)] }
    case 'gauge':
      return { name: label, indent, trend: false,
        cells: [formatNumber(v.value ?? 0), `min=${formatNumber(v.min ?? 0)}`, `max=${formatNumber(v.max ?? 0)}`] }
  }
}

function countRate (metric: MetricSummary, rate: number): string {
  return metric.contains === 'data' ? `${formatBytes(rate)}/s` : formatPerSecond(rate)
}

/** Loadfleet's addition to k6's summary: responses per status code and transport failures per kind. */
function responseRows (result: RunResult): Row[] {
  const total = Object.values(result.statusCodes).reduce((n, c) => n + c, 0)
    + Object.values(result.errorKinds).reduce((n, c) => n + c, 0)
  const share = (count: number) => total === 0 ? formatPercent(0) : formatPercent(count / total)
  const rows: Row[] = Object.entries(result.statusCodes).sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => ({ name: `status ${status}`, indent: 0, trend: false, cells: [String(count), share(count)] }))
  for (const kind of ERROR_KINDS) {
    const count = result.errorKinds[kind]
    if (count !== undefined && count > 0) rows.push({ name: `error ${kind}`, indent: 0, trend: false, cells: [String(count), share(count)] })
  }
  return rows
}

/** Pads names with dots and every value column to its widest cell, trend and other rows separately, as k6 does. */
function alignSections (sections: Array<[string, Row[]]>, paint: Paint): string[] {
  const all = sections.flatMap(([, rows]) => rows)
  const nameWidth = Math.max(0, ...all.map((r) => r.name.length + r.indent)) + MIN_DOTS
  const widths = (trend: boolean) => {
    const w: number[] = []
    for (const r of all.filter((x) => x.trend === trend)) {
      r.cells.forEach((c, i) => { w[i] = Math.max(w[i] ?? 0, c.length) })
    }
    return w
  }
  const colWidths = { true: widths(true), false: widths(false) }
  const lines: string[] = []
  for (const [title, rows] of sections) {
    if (title !== '') lines.push(`    ${title}`)
    for (const r of rows) {
      const w = colWidths[r.trend ? 'true' : 'false']
      const cells = r.cells.map((c, i) => paint.cyan(c.padEnd(w[i] ?? 0))).join(' ')
      const dots = paint.dim('.'.repeat(nameWidth - r.name.length - r.indent))
      lines.push(`    ${' '.repeat(r.indent)}${r.name}${dots}: ${cells}`)
    }
    lines.push('')
  }
  return lines
}
