import { useMemo, type ReactNode } from 'react'
import type { Change, SeriesBucket, SeriesPoint, TargetBaseline } from '@loadfleet/api/client'
import { formatMs, formatPercent, formatRate } from '../format'
import { navigate, paths } from '../router'
import { ChangeMarkers, changeGroups, type ChangeGroup } from './change-markers'
import { TimeChart, type ChartOverlays, type ChartSeries, type MarkerPosition } from './time-chart'

/** Every run of the window, or the runs aggregated into buckets of `bucketMs`. */
export type SiteSeries =
  | { kind: 'runs', points: SeriesPoint[] }
  | { kind: 'buckets', bucketMs: number, buckets: SeriesBucket[] }

// Run marks: translucent so a run of failures reads as a shaded period, not a wall.
export const FAILED_MARK = 'rgba(198, 40, 40, 0.38)'
export const ERROR_MARK = 'rgba(217, 119, 6, 0.5)'
// An aborted run was stopped on purpose and says nothing about the site: it is left off the charts.
const HIDDEN_STATUSES = new Set(['aborted'])

const msAxis = (value: number): string => formatMs(value)
const percentAxis = (value: number): string => `${+value.toFixed(2)}%`
const rpsAxis = (value: number): string => formatRate(value, '')
const pct = (v: number | null): string => formatPercent(v === null ? null : v / 100)
const toPct = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v * 100)

interface ChartData {
  times: number[]
  latency: ChartSeries[]
  health: ChartSeries[]
  marks: NonNullable<ChartOverlays['marks']>
  runIds: string[]
}

function runsData (points: SeriesPoint[]): ChartData {
  const sorted = points.filter((p) => !HIDDEN_STATUSES.has(p.status)).sort((a, b) => Date.parse(a.t) - Date.parse(b.t))
  const times = sorted.map((p) => Date.parse(p.t) / 1000)
  return {
    times,
    runIds: sorted.map((p) => p.runId),
    latency: [
      { label: 'p50', color: '#0f9d8a', scale: 'ms', values: sorted.map((p) => p.p50Ms), format: formatMs },
      { label: 'p95', color: '#2453d6', scale: 'ms', values: sorted.map((p) => p.p95Ms), format: formatMs },
      { label: 'p99', color: '#c2410c', scale: 'ms', values: sorted.map((p) => p.p99Ms), format: formatMs },
    ],
    health: [
      { label: 'Error rate', color: '#c62828', scale: 'pct', values: sorted.map((p) => toPct(p.errorRate)), format: pct },
      { label: 'Req/s', color: '#475569', scale: 'rps', values: sorted.map((p) => p.rps), format: (v) => formatRate(v) },
    ],
    marks: sorted.flatMap((p, i) => {
      const t = times[i] ?? 0
      if (p.status === 'failed') return [{ t, color: FAILED_MARK }]
      if (p.status === 'error') return [{ t, color: ERROR_MARK }]
      return []
    }),
  }
}

function bucketsData (buckets: SeriesBucket[], bucketMs: number): ChartData {
  const sorted = [...buckets].sort((a, b) => Date.parse(a.t) - Date.parse(b.t))
  // A bucket's point sits in its middle, where its runs are on average.
  const times = sorted.map((b) => (Date.parse(b.t) + bucketMs / 2) / 1000)
  const median = (pick: (b: SeriesBucket) => SeriesBucket['p95Ms'], scale = 1): Array<number | null> =>
    sorted.map((b) => { const s = pick(b); return s === null ? null : s.median * scale })
  const high = (pick: (b: SeriesBucket) => SeriesBucket['p95Ms'], scale = 1): Array<number | null> =>
    sorted.map((b) => { const s = pick(b); return s === null ? null : s.p95 * scale })
  return {
    times,
    runIds: [],
    latency: [
      { label: 'p50', color: '#0f9d8a', scale: 'ms', values: median((b) => b.p50Ms), format: formatMs },
      { label: 'p95', color: '#2453d6', scale: 'ms', values: median((b) => b.p95Ms), format: formatMs },
      { label: 'p99', color: '#c2410c', scale: 'ms', values: median((b) => b.p99Ms), format: formatMs },
      {
        label: 'p95, slowest 5% of runs', color: '#2453d6', scale: 'ms', dash: [6, 4],
        values: high((b) => b.p95Ms), format: formatMs,
      },
    ],
    health: [
      { label: 'Error rate', color: '#c62828', scale: 'pct', values: median((b) => b.errorRate, 100), format: pct },
      {
        label: 'Error rate, worst 5% of runs', color: '#c62828', scale: 'pct', dash: [6, 4],
        values: high((b) => b.errorRate, 100), format: pct,
      },
      { label: 'Req/s', color: '#475569', scale: 'rps', values: median((b) => b.rps), format: (v) => formatRate(v) },
    ],
    marks: sorted.flatMap((b, i) => {
      const t = times[i] ?? 0
      if ((b.statuses.failed ?? 0) > 0) return [{ t, color: FAILED_MARK }]
      if ((b.statuses.error ?? 0) > 0) return [{ t, color: ERROR_MARK }]
      return []
    }),
  }
}

// The baseline band in the p95 line's colour, light enough that runs and threshold lines read on top of it.
const BASELINE_BAND = 'rgba(36, 83, 214, 0.13)'
const BASELINE_LABEL = '#1e40af'

/** The baseline's usual p95 (its runs' middle half) as a band on the latency chart. */
export function baselineBands (baseline: TargetBaseline | undefined): NonNullable<ChartOverlays['bands']> {
  const p95 = baseline?.latencyMs.p95
  if (p95 === null || p95 === undefined) return []
  return [{
    scale: 'ms', from: p95.p25, to: p95.p75, color: BASELINE_BAND, labelColor: BASELINE_LABEL,
    label: `baseline p95 ${formatMs(p95.p25)}–${formatMs(p95.p75)}`,
  }]
}

// `p(95)<500`, `p(99) <= 1200`, `med<200`: a latency limit the chart can draw as a line (k6 threshold syntax, in ms).
const LATENCY_LIMIT = /^\s*(p\((\d+(?:\.\d+)?)\)|med|avg|max)\s*<=?\s*(\d+(?:\.\d+)?)\s*$/
const THRESHOLD_LINE = '#7c3aed'

/** Horizontal lines for the site's http_req_duration thresholds, labelled with their expression. */
export function thresholdLines (thresholds: Record<string, string[]> | undefined): NonNullable<ChartOverlays['lines']> {
  const expressions = Object.entries(thresholds ?? {})
    .filter(([metric]) => metric === 'http_req_duration' || metric.startsWith('http_req_duration{'))
    .flatMap(([, list]) => list)
  return expressions.flatMap((expression) => {
    const match = LATENCY_LIMIT.exec(expression)
    const value = match?.[3] === undefined ? NaN : Number(match[3])
    return Number.isFinite(value) ? [{ scale: 'ms', value, color: THRESHOLD_LINE, label: `threshold ${expression.trim()}` }] : []
  })
}

/** "15 minutes", "1 hour", "2 hours". */
export function bucketWords (ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? '1 hour' : `${ms / 3_600_000} hours`
  if (ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`
  return `${ms / 1000} seconds`
}

const markersOf = (groups: ChangeGroup[]) => (positions: MarkerPosition[]): ReactNode =>
  <ChangeMarkers groups={groups} positions={positions} />

/**
 * The site's latency and health charts: every run (click one to open it), or buckets of runs for long ranges; the
 * baseline's usual p95 as a band, threshold lines, failed and errored runs marked, and flags where changes started.
 */
export function SiteCharts ({ series, window, thresholds, baseline, changes = [] }: {
  series: SiteSeries, window: [number, number], thresholds?: Record<string, string[]>, baseline?: TargetBaseline,
  changes?: Change[]
}): ReactNode {
  const data = useMemo(
    () => (series.kind === 'runs' ? runsData(series.points) : bucketsData(series.buckets, series.bucketMs)),
    [series],
  )
  const thresholdKey = JSON.stringify(thresholds ?? {})
  const bandKey = JSON.stringify(baseline?.latencyMs.p95 ?? null)
  const latencyOverlays = useMemo<ChartOverlays>(
    () => ({
      marks: data.marks,
      lines: thresholdLines(JSON.parse(thresholdKey) as Record<string, string[]>),
      bands: baselineBands(baseline),
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- redrawn when the band's figures change, not every poll
    [data, thresholdKey, bandKey],
  )
  const healthOverlays = useMemo<ChartOverlays>(() => ({ marks: data.marks }), [data])
  const changesKey = JSON.stringify(changes.map((c) => [c.id, c.state, c.startedRunId, c.details.relativeChange]))
  const groups = useMemo(() => {
    const timeOf = new Map(data.runIds.map((id, i) => [id, data.times[i] ?? 0]))
    return changeGroups(changes, (runId) => timeOf.get(runId))
    // eslint-disable-next-line react-hooks/exhaustive-deps -- regrouped when the changes do, not every poll
  }, [data, changesKey])
  const latencyTimes = useMemo(() => groups.latency.map((g) => g.t), [groups])
  const healthTimes = useMemo(() => groups.health.map((g) => g.t), [groups])
  const band = baseline?.latencyMs.p95

  const open = series.kind === 'runs'
    ? (index: number): void => {
      const runId = data.runIds[index]
      if (runId !== undefined) navigate(paths.run(runId))
    }
    : undefined
  const noun = series.kind === 'runs' ? 'runs' : 'buckets'

  return (
    <section className="charts" aria-label="Charts">
      <div className="card">
        <TimeChart title="Latency (p50 / p95 / p99)" times={data.times} series={data.latency} window={window}
          axes={[{ scale: 'ms', format: msAxis }]} pointNoun={noun} overlays={latencyOverlays}
          markerTimes={latencyTimes} renderMarkers={markersOf(groups.latency)}
          {...(open === undefined ? {} : { onPointClick: open })} />
      </div>
      <div className="card">
        <TimeChart title="Error rate and requests per second" times={data.times} series={data.health} window={window}
          axes={[{ scale: 'pct', format: percentAxis }, { scale: 'rps', format: rpsAxis }]} pointNoun={noun}
          overlays={healthOverlays} markerTimes={healthTimes} renderMarkers={markersOf(groups.health)}
          {...(open === undefined ? {} : { onPointClick: open })} />
      </div>
      <p className="muted small chart-note" data-testid="chart-note">
        {series.kind === 'runs'
          ? 'Each point is a run: click one to open it.'
          : `Each point is the median of the runs in ${bucketWords(series.bucketMs)}; dashed lines, their p95.`}
        {' '}<span className="legend-mark failed" aria-hidden="true" /> failed runs
        {' '}<span className="legend-mark errored" aria-hidden="true" /> errored runs
        {' '}<span className="legend-flag" aria-hidden="true">!</span> detected changes (hover or click)
        {band !== null && band !== undefined && (
          <span data-testid="baseline-note">
            {' '}<span className="legend-band" aria-hidden="true" /> baseline p95, middle half of {band.runs}
            {' '}{baseline?.mode === 'pinned' ? 'pinned' : 'baseline'} runs: {formatMs(band.p25)}–{formatMs(band.p75)}
            {' '}(median {formatMs(band.median)})
          </span>
        )}
      </p>
    </section>
  )
}
