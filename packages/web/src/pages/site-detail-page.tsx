import { useMemo, type ReactNode } from 'react'
import type { SeriesPoint } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useTitle } from '../use-title'
import { formatInterval, formatMs, formatPercent, formatRate } from '../format'
import { Link, navigate, paths, useLocation, withQuery } from '../router'
import { TimeChart, type ChartSeries } from '../components/time-chart'
import { EmptyState, ErrorNotice, Loading, NotFound } from '../components/states'
import { RunsTable } from './runs-page'

const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const
type RangeKey = keyof typeof RANGES
const RANGE_LABELS: Record<RangeKey, string> = { '1h': 'Last hour', '24h': '24 hours', '7d': '7 days' }
const RECENT_RUNS = 10

function isRange (value: string | null): value is RangeKey {
  return value !== null && Object.hasOwn(RANGES, value)
}

export function SiteDetailPage ({ id }: { id: string }): ReactNode {
  const { client } = useApi()
  const { search } = useLocation()
  const rangeParam = search.get('range')
  const range: RangeKey = isRange(rangeParam) ? rangeParam : '1h'

  const targets = usePolled('targets', () => client.dashboardTargets(), 10_000)
  const target = targets.data?.data.find((t) => t.id === id)
  const series = usePolled(`series|${id}|${range}`, async () => {
    const to = Date.now()
    const from = to - RANGES[range]
    const answer = await client.targetSeries(id, { from: new Date(from).toISOString(), to: new Date(to).toISOString() })
    return { points: answer.data, window: [from / 1000, to / 1000] as [number, number] }
  })
  const runs = usePolled(`site-runs|${id}`, () => client.listRuns({ targetId: id, limit: RECENT_RUNS }))
  const name = target === undefined ? 'Site' : target.label === '' ? target.url : target.label
  useTitle(name)

  if (targets.data !== undefined && target === undefined) {
    return (
      <NotFound title="Site not found" links={[
        { to: paths.sites, label: 'All sites' }, { to: withQuery(paths.runs, { site: id }), label: 'Its past runs' },
      ]}>
        There is no site <span className="mono">{id}</span>. It may have been deleted; the runs it had are kept.
      </NotFound>
    )
  }

  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumb"><Link to={paths.sites}>Sites</Link> / <span>{name}</span></nav>
      <div className="page-header">
        <div className="min0">
          <h1 className="ellipsis" title={name}>{name}</h1>
          {target !== undefined && (
            <p className="muted ellipsis">
              <span className="mono">{target.url}</span> · {target.vus} VU · {target.durationS} s · every{' '}
              {formatInterval(target.runIntervalMs)}{target.enabled ? '' : ' · disabled'}
            </p>
          )}
        </div>
        <div className="segmented" role="group" aria-label="Time range">
          {(Object.keys(RANGES) as RangeKey[]).map((key) => (
            <button key={key} type="button" className="segment" aria-pressed={key === range}
              onClick={() => { navigate(withQuery(paths.site(id), { range: key }), { replace: true }) }}>
              {RANGE_LABELS[key]}
            </button>
          ))}
        </div>
      </div>
      {/* One banner for the page: when the control plane is down, every poll fails the same way. */}
      <ErrorNotice error={series.error ?? targets.error ?? runs.error} />
      {series.data === undefined
        ? series.loading && <Loading />
        : <SiteCharts points={series.data.points} window={series.data.window} />}
      <section className="card flush" aria-labelledby="recent-title">
        <div className="card-head">
          <h2 id="recent-title" className="card-title">Recent runs</h2>
          <Link to={withQuery(paths.runs, { site: id })}>All runs of this site →</Link>
        </div>
        {runs.data === undefined
          ? runs.loading && <Loading />
          : runs.data.data.length === 0
            ? <EmptyState title="No runs yet">Enabled sites are picked up by every agent on their interval.</EmptyState>
            : <RunsTable runs={runs.data.data} showSite={false} />}
      </section>
    </>
  )
}

const msAxis = (value: number): string => formatMs(value)
const percentAxis = (value: number): string => `${+value.toFixed(2)}%`
const rpsAxis = (value: number): string => formatRate(value, '')

function SiteCharts ({ points, window }: { points: SeriesPoint[], window: [number, number] }): ReactNode {
  const data = useMemo(() => {
    const sorted = [...points].sort((a, b) => Date.parse(a.t) - Date.parse(b.t))
    const latency: ChartSeries[] = [
      { label: 'p50', color: '#0f9d8a', scale: 'ms', values: sorted.map((p) => p.p50Ms), format: formatMs },
      { label: 'p95', color: '#2453d6', scale: 'ms', values: sorted.map((p) => p.p95Ms), format: formatMs },
      { label: 'p99', color: '#c2410c', scale: 'ms', values: sorted.map((p) => p.p99Ms), format: formatMs },
    ]
    const health: ChartSeries[] = [
      {
        label: 'Error rate',
        color: '#c62828',
        scale: 'pct',
        values: sorted.map((p) => (p.errorRate === null ? null : p.errorRate * 100)),
        format: (v) => formatPercent(v === null ? null : v / 100),
      },
      { label: 'Req/s', color: '#475569', scale: 'rps', values: sorted.map((p) => p.rps), format: (v) => formatRate(v) },
    ]
    return { sorted, times: sorted.map((p) => Date.parse(p.t) / 1000), latency, health }
  }, [points])

  function open (index: number): void {
    const point = data.sorted[index]
    if (point !== undefined) navigate(paths.run(point.runId))
  }

  return (
    <section className="charts" aria-label="Charts">
      <div className="card">
        <TimeChart title="Latency (p50 / p95 / p99)" times={data.times} series={data.latency} window={window}
          axes={[{ scale: 'ms', format: msAxis }]} onPointClick={open} />
      </div>
      <div className="card">
        <TimeChart title="Error rate and requests per second" times={data.times} series={data.health} window={window}
          axes={[{ scale: 'pct', format: percentAxis }, { scale: 'rps', format: rpsAxis }]} onPointClick={open} />
      </div>
      <p className="muted small">Each point is a run: click one to open it.</p>
    </section>
  )
}
