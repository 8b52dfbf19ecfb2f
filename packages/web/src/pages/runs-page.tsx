import { useId, useState, type ReactNode } from 'react'
import { RUN_STATUSES, type Run } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useTitle } from '../use-title'
import { FAIL_RATE_ALERT, formatCount, formatDateTime, formatMs, formatPercent, formatRate } from '../format'
import { Link, navigate, paths, useLocation, withQuery } from '../router'
import { StatusBadge } from '../components/status-badge'
import { EmptyState, ErrorNotice, Loading } from '../components/states'

const PAGE_SIZE = 25
// The filter lists sites only; a slower refresh is plenty.
const SITES_POLL_MS = 15_000

export function RunsPage (): ReactNode {
  useTitle('Runs')
  const { client } = useApi()
  const { search } = useLocation()
  const site = search.get('site') ?? ''
  const statusParam = search.get('status') ?? ''
  const status = RUN_STATUSES.find((value) => value === statusParam)
  const filterKey = `${site}|${status ?? ''}`
  // Cursors of the pages above the current one; a new filter starts again at the newest page.
  const [pages, setPages] = useState<{ filterKey: string, cursors: string[] }>({ filterKey, cursors: [] })
  const cursors = pages.filterKey === filterKey ? pages.cursors : []
  const cursor = cursors.at(-1)

  const runs = usePolled(`runs|${filterKey}|${cursor ?? ''}`, () => client.listRuns({
    limit: PAGE_SIZE,
    ...(site !== '' ? { targetId: site } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  }))
  const targets = usePolled('targets', () => client.dashboardTargets(), SITES_POLL_MS)

  function setFilter (next: { site?: string, status?: string }): void {
    navigate(withQuery(paths.runs, { site, status: statusParam, ...next }), { replace: true })
  }

  const nextCursor = runs.data?.pagination.nextCursor ?? null
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Runs</h1>
          <p className="muted">Every load test the fleet ran, newest first.</p>
        </div>
      </div>
      <Filters site={site} status={statusParam} sites={targets.data?.data ?? []} onChange={setFilter} />
      <ErrorNotice error={runs.error} />
      {runs.data === undefined
        ? runs.loading && <Loading />
        : runs.data.data.length === 0
          ? (
            <EmptyState title={site !== '' || status !== undefined ? 'No runs match these filters' : 'No runs yet'}>
              {site !== '' || status !== undefined
                ? 'Clear the filters to see every run.'
                : 'Runs appear here as soon as an agent picks up an enabled site.'}
            </EmptyState>
          )
          : (
            <section className="card flush" aria-label="Runs">
              <RunsTable runs={runs.data.data} />
            </section>
          )}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="button" disabled={cursors.length === 0}
          onClick={() => { setPages({ filterKey, cursors: cursors.slice(0, -1) }) }}>← Newer</button>
        <span className="muted small">{cursors.length === 0 ? 'Newest runs' : `Page ${cursors.length + 1}`}</span>
        <button type="button" className="button" disabled={nextCursor === null}
          onClick={() => { if (nextCursor !== null) setPages({ filterKey, cursors: [...cursors, nextCursor] }) }}>
          Older →
        </button>
      </nav>
    </>
  )
}

interface FiltersProps {
  site: string
  status: string
  sites: Array<{ id: string, label: string, url: string }>
  onChange: (next: { site?: string, status?: string }) => void
}

function Filters ({ site, status, sites, onChange }: FiltersProps): ReactNode {
  const id = useId()
  const known = sites.some((target) => target.id === site)
  const selected = sites.find((target) => target.id === site)
  return (
    <div className="filters" role="search" aria-label="Filter runs">
      <div className="field inline">
        <label htmlFor={`${id}-site`}>Site</label>
        <select id={`${id}-site`} value={site} title={selected === undefined ? undefined : selected.label || selected.url}
          onChange={(event) => { onChange({ site: event.target.value }) }}>
          <option value="">All sites</option>
          {!known && site !== '' && <option value={site}>{site}</option>}
          {sites.map((target) => (
            <option key={target.id} value={target.id}>{target.label === '' ? target.url : target.label}</option>
          ))}
        </select>
      </div>
      <div className="field inline">
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={status} onChange={(event) => { onChange({ status: event.target.value }) }}>
          <option value="">Any status</option>
          {RUN_STATUSES.map((value) => <option key={value} value={value}>{value}</option>)}
        </select>
      </div>
      {(site !== '' || status !== '') && (
        <button type="button" className="button ghost small" onClick={() => { onChange({ site: '', status: '' }) }}>
          Clear filters
        </button>
      )}
    </div>
  )
}

function siteNameOf (run: Run): string {
  return run.targetLabel || run.targetUrl || ''
}

/** The runs table, shared with the site detail page. */
export function RunsTable ({ runs, showSite = true }: { runs: Run[], showSite?: boolean }): ReactNode {
  return (
    <div className="table-wrap">
      <table className="table runs-table">
        <thead>
          <tr>
            <th scope="col">Started</th>
            {showSite && <th scope="col">Site</th>}
            <th scope="col">Agent</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">p50</th>
            <th scope="col" className="num">p95</th>
            <th scope="col" className="num">p99</th>
            <th scope="col" className="num">Req/s</th>
            <th scope="col" className="num">Fail rate</th>
            <th scope="col" className="num">Iterations</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const m = run.metrics
            const failing = m !== null && m.error_rate > FAIL_RATE_ALERT
            return (
              <tr key={run.id}>
                <th scope="row" className="nowrap cell-time">
                  <Link to={paths.run(run.id)}>{formatDateTime(run.startedAt)}</Link>
                </th>
                {showSite && (
                  <td className="cell-site">
                    {run.targetLabel === null && run.targetUrl === null
                      ? <span className="muted">deleted site</span>
                      : (
                        <Link to={paths.site(run.targetId)} className="clip" title={siteNameOf(run)}>
                          {siteNameOf(run)}
                        </Link>
                      )}
                  </td>
                )}
                <td className="mono cell-agent"><span className="clip" title={run.agentName}>{run.agentName}</span></td>
                <td className="cell-status"><StatusBadge status={run.status} /></td>
                <td className="num" data-label="p50">{formatMs(m?.p50_ms)}</td>
                <td className="num" data-label="p95" data-testid="run-p95">{formatMs(m?.p95_ms)}</td>
                <td className="num" data-label="p99">{formatMs(m?.p99_ms)}</td>
                <td className="num" data-label="Req/s">{formatRate(m?.rps, '')}</td>
                <td className={failing ? 'num bad' : 'num'} data-label="Fail rate">{formatPercent(m?.error_rate)}</td>
                <td className="num" data-label="Iterations">{formatCount(m?.iterations)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
