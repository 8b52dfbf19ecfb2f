import * as hdr from 'hdr-histogram-js'
import { formatMetricSelector } from '@loadfleet/core'
import type { CheckResult, MetricSummary, RunResult, ThresholdSpec, ThresholdVerdict } from '@loadfleet/core'
import { evaluateThresholds } from '../thresholds/index.js'
import { buildHistogram } from './trend.js'

/** Options of `mergeRunResults`. */
export interface MergeOptions {
  /** Judged once, on the merged metrics. */
  thresholds: readonly ThresholdSpec[]
  /** Trend stats the summary shows (k6 syntax). */
  summaryTrendStats: readonly string[]
}

/**
 * One result from the results of the parts of one test (workers or agents that ran it together, each its segment).
 * Counters add up and their rates are recomputed over the whole wall time (first start to last finish); rates add
 * their passes and fails; trends with a histogram are merged bucket by bucket, so their percentiles are those of one
 * histogram that recorded every sample (min, max and avg are exact); gauges add up, as the parts ran side by side.
 * A custom trend without a histogram keeps its exact min and max, a count-weighted mean, and for other stats the
 * largest part's value. Thresholds are evaluated once, on the merged metrics: the parts' own verdicts are ignored.
 */
export function mergeRunResults (parts: readonly RunResult[], options: MergeOptions): RunResult {
  const startedAt = Math.min(...parts.map((p) => p.startedAt))
  const finishedAt = Math.max(...parts.map((p) => p.finishedAt))
  const durationMs = Math.max(...parts.map((p) => p.startedAt + p.durationMs)) - startedAt
  const histograms = mergeHistogramMaps(parts)
  const metrics: Record<string, MetricSummary> = {}
  for (const name of new Set(parts.flatMap((p) => Object.keys(p.metrics)))) {
    const having = parts.filter((p) => p.metrics[name] !== undefined)
    const present = having.map((p) => p.metrics[name] as MetricSummary)
    const counts = having.map((p) => p.histograms?.[name])
    metrics[name] = mergeMetric(present, {
      durationMs, histogram: histograms[name], trendStats: options.summaryTrendStats,
      counts: counts.every((c) => c !== undefined) ? counts.map(countOfEncoded) : undefined,
    })
  }
  const source = {
    stat: (metric: string, tags: Record<string, string>, stat: string): number | undefined => {
      const selector = formatMetricSelector({ metric, tags })
      const summary = metrics[selector]
      if (summary === undefined) return undefined
      const known = summary.values[stat]
      if (known !== undefined) return known
      const encoded = histograms[selector]
      return summary.type === 'trend' && encoded !== undefined ? trendStatMs(encoded, stat, summary.values) : undefined
    },
  }
  const thresholds = evaluateThresholds(options.thresholds, source)
  withVerdicts(metrics, thresholds)
  const failedPart = parts.find((p) => p.outcome === 'error')
  const merged: RunResult = {
    engine: 'loadfleet',
    outcome: failedPart !== undefined ? 'error' : thresholds.every((t) => t.ok) ? 'passed' : 'failed',
    startedAt,
    finishedAt,
    durationMs,
    metrics,
    thresholds,
    statusCodes: sumRecords(parts.map((p) => p.statusCodes)) as Record<string, number>,
    errorKinds: sumRecords(parts.map((p) => p.errorKinds)),
    histograms,
    interruptedIterations: parts.reduce((n, p) => n + (p.interruptedIterations ?? 0), 0),
  }
  if (failedPart?.errorMessage !== undefined) merged.errorMessage = failedPart.errorMessage
  const abortedBy = parts.find((p) => p.abortedBy !== undefined)?.abortedBy
  if (abortedBy !== undefined) merged.abortedBy = abortedBy
  const checks = mergeChecks(parts)
  if (checks.length > 0) merged.checks = checks
  const groups = [...new Set(parts.flatMap((p) => p.groups ?? []))]
  if (groups.length > 0) merged.groups = groups
  return merged
}

function mergeHistogramMaps (parts: readonly RunResult[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of new Set(parts.flatMap((p) => Object.keys(p.histograms ?? {})))) {
    const total = buildHistogram(false)
    try {
      for (const p of parts) {
        const text = p.histograms?.[name]
        if (text === undefined) continue
        const part = hdr.decodeFromCompressedBase64(text, 32, false)
        total.add(part)
        part.destroy()
      }
      out[name] = hdr.encodeIntoCompressedBase64(total)
    } finally {
      total.destroy()
    }
  }
  return out
}

interface MetricContext {
  durationMs: number
  histogram: string | undefined
  trendStats: readonly string[]
  /** Each part's sample count, from its own histogram: a trend's summary carries no count. */
  counts: number[] | undefined
}

function mergeMetric (present: readonly MetricSummary[], ctx: MetricContext): MetricSummary {
  const first = present[0] as MetricSummary
  const base = { type: first.type, contains: first.contains }
  const sum = (key: string): number => present.reduce((n, m) => n + (m.values[key] ?? 0), 0)
  switch (first.type) {
    case 'counter': {
      const count = sum('count')
      return { ...base, values: { count, rate: ctx.durationMs > 0 ? count / (ctx.durationMs / 1000) : 0 } }
    }
    case 'rate': {
      const passes = sum('passes')
      const fails = sum('fails')
      return { ...base, values: { rate: passes + fails > 0 ? passes / (passes + fails) : 0, passes, fails } }
    }
    case 'gauge':
      return { ...base, values: { value: sum('value'), min: sum('min'), max: sum('max') } }
    case 'trend':
      return { ...base, values: mergeTrend(present, ctx) }
  }
}

function mergeTrend (present: readonly MetricSummary[], ctx: MetricContext): Record<string, number> {
  const min = Math.min(...present.map((m) => m.values.min ?? Infinity))
  const max = Math.max(...present.map((m) => m.values.max ?? 0))
  const counts = ctx.counts
  const out: Record<string, number> = {}
  for (const stat of ctx.trendStats) {
    if (stat === 'min') out.min = Number.isFinite(min) ? min : 0
    else if (stat === 'max') out.max = max
    else if (stat === 'avg') out.avg = weightedMean(present, counts)
    else if (ctx.histogram !== undefined) {
      const v = trendStatMs(ctx.histogram, stat, { min, max })
      if (v !== undefined) out[stat] = v
    } else {
      out[stat] = Math.max(...present.map((m) => m.values[stat] ?? 0))
    }
  }
  return out
}

function weightedMean (present: readonly MetricSummary[], counts: number[] | undefined): number {
  if (counts === undefined) {
    return present.reduce((n, m) => n + (m.values.avg ?? 0), 0) / Math.max(1, present.length)
  }
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return 0
  return present.reduce((n, m, i) => n + (m.values.avg ?? 0) * (counts[i] as number), 0) / total
}

const PERCENTILE_RE = /^p\((\d+(?:\.\d+)?)\)$/

/** A trend stat (ms) read from an encoded µs histogram, clamped to the exact min and max as the engine does. */
function trendStatMs (encoded: string, stat: string, exact: Record<string, number | undefined>): number | undefined {
  const p = stat === 'med' ? 50 : Number(PERCENTILE_RE.exec(stat)?.[1] ?? Number.NaN)
  if (stat === 'count') return countOfEncoded(encoded)
  if (!Number.isFinite(p)) return undefined
  const h = hdr.decodeFromCompressedBase64(encoded, 32, false)
  try {
    if (h.totalCount === 0) return 0
    const ms = h.getValueAtPercentile(p) / 1000
    const { min, max } = exact
    if (max !== undefined && ms > max) return max
    if (min !== undefined && ms < min) return min
    return ms
  } finally {
    h.destroy()
  }
}

function countOfEncoded (encoded: string): number {
  const h = hdr.decodeFromCompressedBase64(encoded, 32, false)
  try {
    return h.totalCount
  } finally {
    h.destroy()
  }
}

function sumRecords<K extends string> (records: ReadonlyArray<Partial<Record<K, number>>>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {}
  for (const r of records) {
    for (const [k, v] of Object.entries(r) as Array<[K, number]>) out[k] = (out[k] ?? 0) + v
  }
  return out
}

function mergeChecks (parts: readonly RunResult[]): CheckResult[] {
  const byKey = new Map<string, CheckResult>()
  for (const c of parts.flatMap((p) => p.checks ?? [])) {
    const key = JSON.stringify([c.group ?? '', c.name])
    const seen = byKey.get(key)
    if (seen === undefined) byKey.set(key, { ...c })
    else {
      seen.passes += c.passes
      seen.fails += c.fails
    }
  }
  return [...byKey.values()]
}

function withVerdicts (metrics: Record<string, MetricSummary>, verdicts: readonly ThresholdVerdict[]): void {
  for (const v of verdicts) {
    const summary = metrics[v.metric]
    if (summary === undefined) continue
    summary.thresholds ??= {}
    summary.thresholds[v.expression] = { ok: v.ok }
  }
}
