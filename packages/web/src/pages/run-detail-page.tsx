import { useMemo, useState, type ReactNode } from 'react'
import type { RunDetail } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { POLL_INTERVAL_MS, usePolled } from '../use-polled'
import { useTitle } from '../use-title'
import {
  FAIL_RATE_ALERT, formatBytes, formatCount, formatDateTime, formatMs, formatPercent, formatRate,
} from '../format'
import { Link, paths } from '../router'
import { readSummary, type SummaryView } from '../summary-view'
import { StatusBadge } from '../components/status-badge'
import { MetricTables } from '../components/metric-tables'
import { EmptyState, ErrorNotice, Loading, NotFound, isNotFound } from '../components/states'

// A finished run no longer changes; re-reading its (possibly large) summary often would be waste.
const FINISHED_POLL_MS = 60_000

export function RunDetailPage ({ id }: { id: string }): ReactNode {
  useTitle(`Run ${id.slice(0, 8)}`)
  const { client } = useApi()
  const [finished, setFinished] = useState(false)
  const first = usePolled(`run|${id}`, () => client.getRun(id), finished ? FINISHED_POLL_MS : POLL_INTERVAL_MS)
  const run = first.data
  if (run !== undefined && run.status !== 'running' && !finished) setFinished(true)
  if (run === undefined) {
    if (isNotFound(first.error)) {
      return (
        <NotFound title="Run not found" links={[{ to: paths.runs, label: 'All runs' }, { to: paths.sites, label: 'Sites' }]}>
          There is no run <span className="mono">{id}</span>. It may have been deleted, or the link is incomplete.
        </NotFound>
      )
    }
    return first.error !== undefined ? <ErrorNotice error={first.error} /> : <Loading />
  }
  return <RunView run={run} error={first.error} />
}

function RunView ({ run, error }: { run: RunDetail, error: unknown }): ReactNode {
  const { client } = useApi()
  const [downloadError, setDownloadError] = useState<unknown>(undefined)
  const summary = useMemo(() => readSummary(run.summary), [run.summary])
  const site = run.targetLabel === null || run.targetLabel === '' ? run.targetUrl : run.targetLabel
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumb"><Link to={paths.runs}>Runs</Link> / <span className="mono">{run.id}</span></nav>
      <div className="page-header">
        <div className="min0">
          <h1 className="title-with-badge"><span>Run <span className="mono">{run.id.slice(0, 8)}</span></span>
            <StatusBadge status={run.status} /></h1>
          <p className="muted">
            {site === null ? 'deleted site' : <Link to={paths.site(run.targetId)}>{site}</Link>} · agent{' '}
            <span className="mono">{run.agentName}</span> · started {formatDateTime(run.startedAt)}
            {run.finishedAt !== null && <> · finished {formatDateTime(run.finishedAt)}</>}
          </p>
        </div>
        {run.summary !== null && (
          <div className="button-row">
            <button type="button" className="button" onClick={() => {
              client.getRunSummaryExport(run.id).then((exported) => {
                saveJson(exported, `loadfleet-run-${run.id}-summary-export.json`)
              }, setDownloadError)
            }}>Download k6 summary</button>
            <button type="button" className="button ghost" onClick={() => {
              saveJson(run.summary, `loadfleet-run-${run.id}-result.json`)
            }}>Raw result JSON</button>
          </div>
        )}
      </div>
      <ErrorNotice error={error ?? downloadError} />
      {run.errorMessage !== null && <div className="notice notice-error" role="alert">{run.errorMessage}</div>}
      {run.status === 'failed' && run.failureReason !== null && (
        <div className="notice notice-error" role="alert" data-testid="failure-reason">
          <strong>Failed:</strong> {run.failureReason}
        </div>
      )}
      <SiblingRuns run={run} />
      <KeyFigures run={run} />
      <VerdictTable run={run} />
      <BaselineTable run={run} />
      {summary === null
        ? (
          <EmptyState title={run.status === 'running' ? 'Running…' : 'No summary was reported'}>
            {run.status === 'running' ? 'The figures appear when the agent reports the result.' : null}
          </EmptyState>
        )
        : <SummarySections summary={summary} raw={run.summary} />}
    </>
  )
}

function SiblingRuns ({ run }: { run: RunDetail }): ReactNode {
  if (run.previousRunId === null && run.nextRunId === null) return null
  return (
    <nav className="button-row" aria-label="Runs of this site">
      {run.previousRunId !== null
        ? <Link to={paths.run(run.previousRunId)} className="button ghost">← Previous run</Link>
        : <span className="muted">No earlier run</span>}
      {run.nextRunId !== null
        ? <Link to={paths.run(run.nextRunId)} className="button ghost">Next run →</Link>
        : <span className="muted">No later run</span>}
    </nav>
  )
}

/** The observed value as the threshold reads it: ms for time metrics, a percentage for rates. */
function formatObserved (metric: string, expression: string, observed: number | null): string {
  if (observed === null) return '—'
  if (expression.trim().startsWith('rate')) return formatPercent(observed)
  if (/duration|waiting|connecting|blocked|sending|receiving|handshaking/.test(metric)) return formatMs(observed)
  return formatCount(observed)
}

function VerdictTable ({ run }: { run: RunDetail }): ReactNode {
  const verdict = run.verdict
  if (verdict === null) return null
  return (
    <section className="card" aria-labelledby="verdict-title">
      <h2 id="verdict-title" className="card-title">Verdict</h2>
      {verdict.requests !== null && (
        <p className="muted">
          {formatCount(verdict.requests)} requests, {formatCount(verdict.failedRequests ?? 0)} failed
        </p>
      )}
      {verdict.thresholds.length === 0
        ? <p className="muted">No thresholds apply to this run.</p>
        : (
          <div className="table-wrap">
            <table className="table compact stack-sm" aria-label="Thresholds judged">
              <thead>
                <tr><th scope="col">Metric</th><th scope="col">Threshold</th><th scope="col" className="num">Observed</th>
                  <th scope="col">Result</th><th scope="col">From</th></tr>
              </thead>
              <tbody>
                {verdict.thresholds.map((t) => (
                  <tr key={`${t.metric} ${t.expression}`} data-metric={t.metric}>
                    <th scope="row" className="mono">{t.metric}</th>
                    <td className="mono" data-label="Threshold">{t.expression}</td>
                    <td className={t.ok ? 'num' : 'num bad'} data-label="Observed">{formatObserved(t.metric, t.expression, t.observed)}</td>
                    <td data-label="Result"><span className={t.ok ? 'badge badge-ok' : 'badge badge-bad'}>{t.ok ? 'pass' : 'fail'}</span></td>
                    <td className="muted" data-label="From">{t.source === 'site' ? 'site' : 'default'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  )
}

// Which way each compared metric gets worse; every other metric is worse when it rises (latency, errors).
const WORSE_WHEN_LOWER = new Set(['throughput', 'rps'])
const RATE_METRICS = new Set(['error_rate', 'status_5xx', 'status_4xx'])

function formatBaselineValue (metric: string, value: number): string {
  if (RATE_METRICS.has(metric)) return formatPercent(value)
  if (WORSE_WHEN_LOWER.has(metric)) return formatRate(value, '')
  return formatMs(value)
}

function BaselineTable ({ run }: { run: RunDetail }): ReactNode {
  const baseline = run.baseline
  if (baseline === null) return null
  return (
    <section className="card" aria-labelledby="baseline-title">
      <h2 id="baseline-title" className="card-title">Against the baseline</h2>
      <p className="muted">{baseline.mode === 'pinned' ? 'Pinned' : 'Rolling'} baseline of {baseline.runIds.length} run{baseline.runIds.length === 1 ? '' : 's'}</p>
      {baseline.metrics.length === 0
        ? <p className="muted">No metric to compare.</p>
        : (
          <div className="table-wrap">
            <table className="table compact stack-sm" aria-label="Baseline comparison">
              <thead>
                <tr><th scope="col">Metric</th><th scope="col" className="num">Baseline median</th>
                  <th scope="col" className="num">This run</th><th scope="col" className="num">Delta</th></tr>
              </thead>
              <tbody>
                {baseline.metrics.map((m) => {
                  const worse = WORSE_WHEN_LOWER.has(m.metric) ? m.relativeChange < 0 : m.relativeChange > 0
                  const tone = m.relativeChange === 0 || !Number.isFinite(m.relativeChange) ? '' : worse ? ' bad' : ' good'
                  return (
                    <tr key={m.metric}>
                      <th scope="row" className="mono">{m.metric}</th>
                      <td className="num" data-label="Baseline median">{formatBaselineValue(m.metric, m.baseline.median)}</td>
                      <td className="num" data-label="This run">{formatBaselineValue(m.metric, m.value)}</td>
                      <td className={`num${tone}`} data-label="Delta" data-tone={tone.trim() === '' ? 'same' : tone.trim()}>
                        {formatDelta(m.relativeChange)}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
    </section>
  )
}

function formatDelta (relative: number): string {
  if (!Number.isFinite(relative)) return '—'
  const percent = relative * 100
  return `${percent > 0 ? '+' : ''}${percent.toFixed(Math.abs(percent) < 10 ? 1 : 0)}%`
}

function KeyFigures ({ run }: { run: RunDetail }): ReactNode {
  const m = run.metrics
  if (m === null) return null
  const figures: Array<[string, string, boolean?]> = [
    ['p50', formatMs(m.p50_ms)], ['p95', formatMs(m.p95_ms)], ['p99', formatMs(m.p99_ms)], ['avg', formatMs(m.avg_ms)],
    ['Req/s', formatRate(m.rps, '')], ['Fail rate', formatPercent(m.error_rate), m.error_rate > FAIL_RATE_ALERT],
    ['Iterations', formatCount(m.iterations)], ['Data received', formatBytes(m.data_received_bytes)],
  ]
  return (
    <section className="stats" aria-label="Key figures">
      {figures.map(([label, value, bad]) => (
        <div key={label} className="stat">
          <span className="stat-label">{label}</span>
          <span className={bad === true ? 'stat-value bad' : 'stat-value'}>{value}</span>
        </div>
      ))}
    </section>
  )
}

function SummarySections ({ summary, raw }: { summary: SummaryView, raw: RunDetail['summary'] }): ReactNode {
  return (
    <>
      <section className="card" aria-labelledby="thresholds-title">
        <h2 id="thresholds-title" className="card-title">Thresholds</h2>
        {summary.thresholds.length === 0
          ? <p className="muted">This test declared no thresholds.</p>
          : (
            <div className="table-wrap">
              <table className="table compact">
                <thead><tr><th scope="col">Metric</th><th scope="col">Threshold</th><th scope="col">Verdict</th></tr></thead>
                <tbody>
                  {summary.thresholds.map((t) => (
                    <tr key={`${t.metric} ${t.expression}`}>
                      <th scope="row" className="mono">{t.metric}</th>
                      <td className="mono">{t.expression}{t.abortOnFail ? ' (abortOnFail)' : ''}</td>
                      <td>
                        <span className={t.ok ? 'badge badge-ok' : 'badge badge-bad'}>{t.ok ? 'passed' : 'crossed'}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
      <section className="card" aria-labelledby="metrics-title">
        <h2 id="metrics-title" className="card-title">Metrics</h2>
        <MetricTables metrics={summary.metrics} />
      </section>
      <section className="grid-2" aria-label="Responses">
        <CountTable title="Status codes" rows={summary.statusCodes} empty="No HTTP responses." />
        <CountTable title="Errors by kind" rows={summary.errorKinds} empty="No transport errors." />
        {summary.checks.length > 0 && <ChecksTable checks={summary.checks} />}
      </section>
      <section className="card" aria-labelledby="raw-title">
        <h2 id="raw-title" className="card-title">Raw summary</h2>
        <details className="raw">
          <summary>Show JSON</summary>
          <pre className="code">{JSON.stringify(raw, null, 2)}</pre>
        </details>
      </section>
    </>
  )
}

function ChecksTable ({ checks }: { checks: SummaryView['checks'] }): ReactNode {
  return (
    <div className="card">
      <h2 className="card-title">Checks</h2>
      <div className="table-wrap">
        <table className="table compact">
          <thead><tr><th scope="col">Check</th><th scope="col" className="num">Passes</th><th scope="col" className="num">Fails</th></tr></thead>
          <tbody>
            {checks.map((check) => (
              <tr key={check.name}>
                <th scope="row">{check.name}</th>
                <td className="num">{formatCount(check.passes)}</td>
                <td className={check.fails > 0 ? 'num bad' : 'num'}>{formatCount(check.fails)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

interface CountTableProps { title: string, rows: Array<[string, number]>, empty: string }

function CountTable ({ title, rows, empty }: CountTableProps): ReactNode {
  return (
    <div className="card">
      <h2 className="card-title">{title}</h2>
      {rows.length === 0
        ? <p className="muted">{empty}</p>
        : (
          <div className="table-wrap">
            <table className="table compact">
              <tbody>
                {rows.map(([key, count]) => (
                  <tr key={key}><th scope="row" className="mono">{key}</th><td className="num">{formatCount(count)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </div>
  )
}

function saveJson (value: unknown, fileName: string): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' })
  const url = URL.createObjectURL(blob)
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.download = fileName
  anchor.click()
  // Revoked on the next tick: the download has started by then.
  setTimeout(() => { URL.revokeObjectURL(url) }, 0)
}
