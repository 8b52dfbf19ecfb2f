import { k6PathId } from '@loadfleet/core'
import type { CheckResult, MetricSummary, RunResult } from '@loadfleet/core'
import { renderTextSummary } from '../summary/index.js'

/** A group in `handleSummary` data, as k6 builds it. */
export interface SummaryGroup {
  name: string
  path: string
  id: string
  groups: SummaryGroup[]
  checks: Array<{ name: string, path: string, id: string, passes: number, fails: number }>
}

/** The argument of `handleSummary(data)`, in k6's shape. */
export interface SummaryData {
  root_group: SummaryGroup
  metrics: Record<string, MetricSummary>
  options: { summaryTrendStats: string[], summaryTimeUnit: string, noColor: boolean }
  state: { isStdOutTTY: boolean, isStdErrTTY: boolean, testRunDurationMs: number }
}

function group (path: string): SummaryGroup {
  const name = path.slice(path.lastIndexOf('::') + 2)
  return { name: path === '' ? '' : name, path, id: k6PathId(path), groups: [], checks: [] }
}

/** Nests groups and their checks by path, as k6's root_group. */
export function rootGroupOf (groups: readonly string[], checks: readonly CheckResult[]): SummaryGroup {
  const root = group('')
  const byPath = new Map<string, SummaryGroup>([['', root]])
  const ensure = (path: string): SummaryGroup => {
    const known = byPath.get(path)
    if (known !== undefined) return known
    const g = group(path)
    byPath.set(path, g)
    ensure(path.slice(0, path.lastIndexOf('::'))).groups.push(g)
    return g
  }
  for (const path of groups) ensure(path)
  for (const c of checks) {
    const path = `${c.group ?? ''}::${c.name}`
    ensure(c.group ?? '').checks.push({ name: c.name, path, id: k6PathId(path), passes: c.passes, fails: c.fails })
  }
  return root
}

/** The run result as `handleSummary` receives it. */
export function summaryDataOf (result: RunResult, trendStats: string[]): SummaryData {
  return {
    root_group: rootGroupOf(result.groups ?? [], result.checks ?? []),
    metrics: result.metrics,
    options: { summaryTrendStats: trendStats, summaryTimeUnit: '', noColor: process.stdout.isTTY !== true },
    state: {
      isStdOutTTY: process.stdout.isTTY === true,
      isStdErrTTY: process.stderr.isTTY === true,
      testRunDurationMs: result.durationMs,
    },
  }
}

function checksOf (g: SummaryGroup): CheckResult[] {
  const own = g.checks.map((c) => ({ name: c.name, passes: c.passes, fails: c.fails, ...(g.path === '' ? {} : { group: g.path }) }))
  return [...own, ...g.groups.flatMap(checksOf)]
}

/** The jslib `k6-summary` module: textSummary and jUnit over `handleSummary` data. */
export function createSummaryModule (): Record<string, unknown> {
  const textSummary = (data: SummaryData, opts: { enableColors?: boolean } = {}): string => {
    const thresholds = Object.entries(data.metrics).flatMap(([metric, m]) =>
      Object.entries(m.thresholds ?? {}).map(([expression, { ok }]) =>
        ({ metric, expression, ok, abortOnFail: false })))
    const result: RunResult = {
      engine: 'loadfleet', outcome: thresholds.every((t) => t.ok) ? 'passed' : 'failed', startedAt: 0,
      finishedAt: data.state.testRunDurationMs, durationMs: data.state.testRunDurationMs, metrics: data.metrics,
      thresholds, statusCodes: {}, errorKinds: {}, checks: checksOf(data.root_group),
    }
    return renderTextSummary(result, { trendStats: data.options.summaryTrendStats, color: opts.enableColors === true })
  }
  const jUnit = (data: SummaryData): string => {
    const cases: string[] = []
    let failures = 0
    for (const [metric, m] of Object.entries(data.metrics)) {
      for (const [expression, { ok }] of Object.entries(m.thresholds ?? {})) {
        const name = escapeXml(`${metric} - ${expression}`)
        if (ok) cases.push(`<testcase name="${name}" />`)
        else {
          failures++
          cases.push(`<testcase name="${name}"><failure message="failed" /></testcase>`)
        }
      }
    }
    return '<?xml version="1.0"?>\n<testsuites tests="' + cases.length + '" failures="' + failures + '">\n' +
      '<testsuite name="k6 thresholds" tests="' + cases.length + '" failures="' + failures + '">' +
      cases.join('\n') + '</testsuite>\n</testsuites>'
  }
  const mod: Record<string, unknown> = { textSummary, jUnit }
  mod.default = mod
  return mod
}

function escapeXml (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
