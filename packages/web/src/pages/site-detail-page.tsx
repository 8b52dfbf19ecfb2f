import type { ReactNode } from 'react'
import { useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useTitle } from '../use-title'
import { formatInterval } from '../format'
import { Link, navigate, paths, useLocation, withQuery } from '../router'
import { SiteCharts, type SiteSeries } from '../components/site-charts'
import { EmptyState, ErrorNotice, Loading, NotFound } from '../components/states'
import { RunsTable } from './runs-page'

const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const
type RangeKey = keyof typeof RANGES
const RANGE_LABELS: Record<RangeKey, string> = { '1h': 'Last hour', '24h': '24 hours', '7d': '7 days' }
// Long ranges are drawn as buckets (median and p95 of their runs), so a day of one run a minute is a trend of 96
// points, not 1,440 runs squeezed into a vertical smear. The last hour shows every run.
const RANGE_BUCKETS: Record<RangeKey, string | undefined> = { '1h': undefined, '24h': '15m', '7d': '1h' }
const RECENT_RUNS = 10
// The newest changes of any state: open ones, and resolved or accepted ones still within the charts' range.
const CHANGES_SHOWN = 50

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
    const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString() }
    const bucket = RANGE_BUCKETS[range]
    const series: SiteSeries = bucket === undefined
      ? { kind: 'runs', points: (await client.targetSeries(id, window)).data }
      : await client.targetSeriesBuckets(id, { ...window, bucket })
        .then((page) => ({ kind: 'buckets', bucketMs: page.bucketMs, buckets: page.data }))
    return { series, window: [from / 1000, to / 1000] as [number, number] }
  })
  const runs = usePolled(`site-runs|${id}`, () => client.listRuns({ targetId: id, limit: RECENT_RUNS }))
  // Change markers and the baseline band change only after a run is judged: a slower poll is plenty.
  const changes = usePolled(`changes|${id}`, () => client.targetChanges(id, { limit: CHANGES_SHOWN }), 10_000)
  const baseline = usePolled(`baseline|${id}`, () => client.targetBaseline(id), 10_000)
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
        : <SiteCharts series={series.data.series} window={series.data.window}
          {...(target === undefined ? {} : { thresholds: target.thresholds })}
          {...(baseline.data === undefined ? {} : { baseline: baseline.data })}
          {...(changes.data === undefined ? {} : { changes: changes.data.data })} />}
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
