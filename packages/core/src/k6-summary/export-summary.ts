import { createHash } from 'node:crypto'
import type { CheckResult, MetricSummary, RunResult } from '../run-result.js'

/** One metric in k6's legacy `--summary-export` file: flat values plus `{ expression: failed }` thresholds. */
export type K6ExportMetric = Record<string, number | Record<string, boolean>>

/** A check in k6's `root_group`: `path` is `::name`, `id` the MD5 of the path. */
export interface K6ExportCheck {
  name: string
  path: string
  id: string
  passes: number
  fails: number
}

/** The whole legacy `--summary-export` document (k6 v1.3.0 writes exactly these two keys). */
export interface K6SummaryExport {
  root_group: {
    name: string
    path: string
    id: string
    groups: Record<string, unknown>
    checks: Record<string, K6ExportCheck>
  }
  metrics: Record<string, K6ExportMetric>
}

/** k6 derives group and check ids from their path; the root group's path is ''. */
export function k6PathId (path: string): string {
  return createHash('md5').update(path).digest('hex')
}

/**
 * Writes a run result as k6's legacy `--summary-export` JSON, so tools built for k6 read it. In this format a
 * threshold's `true` means it FAILED, rates carry `value` plus `passes`/`fails`, and trends are flat.
 */
export function toK6SummaryExport (result: RunResult): K6SummaryExport {
  const failedBy = failedThresholdsByMetric(result)
  const metrics: Record<string, K6ExportMetric> = {}
  for (const [name, metric] of Object.entries(result.metrics)) {
    const out = exportValues(metric)
    const thresholds = failedBy.get(name) ?? fromMetricThresholds(metric)
    if (thresholds !== undefined) out.thresholds = thresholds
    metrics[name] = out
  }
  return { root_group: exportGroups(result), metrics }
}

/** A group of the export: its checks and subgroups keyed by name, as k6 writes them. */
interface K6ExportGroup {
  name: string
  path: string
  id: string
  groups: Record<string, K6ExportGroup>
  checks: Record<string, K6ExportCheck>
}

/** Nests a script's groups and checks by group path (`::outer::inner`); request-step tests have only the root. */
function exportGroups (result: RunResult): K6ExportGroup {
  const root: K6ExportGroup = { name: '', path: '', id: k6PathId(''), groups: {}, checks: {} }
  const byPath = new Map<string, K6ExportGroup>([['', root]])
  const ensure = (path: string): K6ExportGroup => {
    const known = byPath.get(path)
    if (known !== undefined) return known
    const at = path.lastIndexOf('::')
    const name = path.slice(at + 2)
    const group: K6ExportGroup = { name, path, id: k6PathId(path), groups: {}, checks: {} }
    byPath.set(path, group)
    ensure(path.slice(0, at)).groups[name] = group
    return group
  }
  for (const path of result.groups ?? []) ensure(path)
  const byGroup = new Map<string, CheckResult[]>()
  for (const c of result.checks ?? []) byGroup.set(c.group ?? '', [...byGroup.get(c.group ?? '') ?? [], c])
  for (const [path, checks] of byGroup) ensure(path).checks = exportChecks(checks, path)
  return root
}

function exportValues (metric: MetricSummary): K6ExportMetric {
  const v = metric.values
  switch (metric.type) {
    case 'counter': return { count: v.count ?? 0, rate: v.rate ?? 0 }
    case 'gauge': return { value: v.value ?? 0, min: v.min ?? 0, max: v.max ?? 0 }
    case 'rate': return { passes: v.passes ?? 0, fails: v.fails ?? 0, value: v.rate ?? 0 }
    case 'trend': return { ...v }
  }
}

/** Verdicts grouped by metric, inverted to the export's polarity (`true` = crossed). */
function failedThresholdsByMetric (result: RunResult): Map<string, Record<string, boolean>> {
  const byMetric = new Map<string, Record<string, boolean>>()
  for (const verdict of result.thresholds) {
    const entry = byMetric.get(verdict.metric) ?? {}
    entry[verdict.expression] = !verdict.ok
    byMetric.set(verdict.metric, entry)
  }
  return byMetric
}

function fromMetricThresholds (metric: MetricSummary): Record<string, boolean> | undefined {
  if (metric.thresholds === undefined) return undefined
  return Object.fromEntries(Object.entries(metric.thresholds).map(([expr, { ok }]) => [expr, !ok]))
}

function exportChecks (checks: readonly CheckResult[], groupPath = ''): Record<string, K6ExportCheck> {
  return Object.fromEntries(checks.map((c) => {
    const path = `${groupPath}::${c.name}`
    return [c.name, { name: c.name, path, id: k6PathId(path), passes: c.passes, fails: c.fails }]
  }))
}
