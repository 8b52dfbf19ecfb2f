import type { ReactNode } from 'react'
import { ROUTES, type AppSummary, type Gate, type GateStatus } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useTitle } from '../use-title'
import { formatDateTime, formatMs, formatPercent, formatRate } from '../format'
import { Link, paths } from '../router'
import { EmptyState, ErrorNotice, Loading, NotFound } from '../components/states'

// Gates change only when a pipeline records one: a slower poll than runs is plenty.
const APPS_POLL_MS = 10_000
const GATES_SHOWN = 20

const TONE: Record<GateStatus, string> = { pass: 'ok', warn: 'warn', fail: 'bad', inconclusive: 'neutral', skipped: 'aborted' }

/** A gate verdict or an app's status in a gate, as a pill; the word carries the meaning. */
export function GateBadge ({ status }: { status: GateStatus }): ReactNode {
  return <span className={`badge badge-${TONE[status]}`}>{status}</span>
}

const shortRevision = (revision: string | null): string => revision === null ? '—' : revision.slice(0, 12)

/** The Apps page: the tree of apps (children in dependency order), each with its last gate verdict and revision. */
export function AppsPage (): ReactNode {
  useTitle('Apps')
  const { client } = useApi()
  const apps = usePolled('apps', () => client.listApps(), APPS_POLL_MS)
  const byName = new Map((apps.data?.data ?? []).map((a) => [a.name, a]))
  const roots = (apps.data?.data ?? []).filter((a) => a.parent === null || !byName.has(a.parent))
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Apps</h1>
          <p className="muted">Apps from App manifests, as their gates recorded them: children run after what they depend on.</p>
        </div>
      </div>
      <ErrorNotice error={apps.error} />
      {apps.data === undefined
        ? apps.loading && <Loading />
        : apps.data.data.length === 0
          ? (
            <EmptyState title="No apps yet">
              Apps appear here once <span className="mono">loadfleet gate APP</span> records a gate on this control plane.
            </EmptyState>
          )
          : (
            <section className="card" aria-labelledby="apps-title">
              <h2 id="apps-title" className="card-title">Tree <span className="count">{apps.data.data.length}</span></h2>
              <ul className="app-tree" aria-label="Apps">
                {roots.map((root) => <AppNode key={root.name} app={root} byName={byName} />)}
              </ul>
            </section>
          )}
    </>
  )
}

function AppNode ({ app, byName }: { app: AppSummary, byName: Map<string, AppSummary> }): ReactNode {
  const children = app.children.map((name) => byName.get(name)).filter((c) => c !== undefined)
  return (
    <li>
      <div className="app-row" data-app={app.name}>
        <Link to={paths.app(app.name)} className="app-name">{app.name}</Link>
        {app.lastGate === null ? <span className="muted small">no gate</span> : <GateBadge status={app.lastGate.status} />}
        {app.lastGate !== null && <span className="mono small" title={app.lastGate.revision ?? ''}>{shortRevision(app.lastGate.revision)}</span>}
        {app.dependsOn.length > 0 && <span className="muted small">after {app.dependsOn.join(', ')}</span>}
        <span className="muted small">{app.tests.length} gate {app.tests.length === 1 ? 'test' : 'tests'}</span>
      </div>
      {children.length > 0 && (
        <ol className="app-tree" aria-label={`Children of ${app.name}, in dependency order`}>
          {children.map((child) => <AppNode key={child.name} app={child} byName={byName} />)}
        </ol>
      )}
    </li>
  )
}

/** One app: its place in the tree, its tests, its gates by revision, and the latest gate's runs. */
export function AppDetailPage ({ name }: { name: string }): ReactNode {
  useTitle(name)
  const { client } = useApi()
  const app = usePolled(`app|${name}`, () => client.getApp(name), APPS_POLL_MS)
  const gates = usePolled(`app-gates|${name}`, () => client.listAppGates(name, { limit: GATES_SHOWN }), APPS_POLL_MS)
  const latest = gates.data?.data[0]
  const revision = latest?.revision ?? null
  const detail = usePolled(`app-gate|${name}|${revision ?? ''}`,
    async () => revision === null ? undefined : await client.getAppRevision(name, revision), APPS_POLL_MS)
  if (app.error !== undefined && app.data === undefined && isMissing(app.error)) {
    return (
      <NotFound title="App not found" links={[{ to: paths.apps, label: 'All apps' }]}>
        No gate covering <span className="mono">{name}</span> has been recorded on this control plane.
      </NotFound>
    )
  }
  const a = app.data
  return (
    <>
      <div className="page-header">
        <div>
          <p className="muted small"><Link to={paths.apps}>Apps</Link>{a?.parent != null && <> / <Link to={paths.app(a.parent)}>{a.parent}</Link></>}</p>
          <h1>{name}</h1>
          {a !== undefined && <p className="muted mono small">{a.file}</p>}
        </div>
      </div>
      <ErrorNotice error={app.error ?? gates.error} />
      {a === undefined
        ? app.loading && <Loading />
        : (
          <>
            <section className="card" aria-labelledby="order-title">
              <h2 id="order-title" className="card-title">Dependency order</h2>
              <p>
                {a.dependsOn.length === 0 ? 'Depends on no sibling.' : <>Runs after {a.dependsOn.map((d, i) => <span key={d}>{i > 0 && ', '}<Link to={paths.app(d)}>{d}</Link></span>)}.</>}
                {' '}
                {a.children.length === 0 ? 'No children.' : <>Children, in order: {a.children.map((c, i) => <span key={c}>{i > 0 && ' → '}<Link to={paths.app(c)}>{c}</Link></span>)}.</>}
              </p>
            </section>
            <section className="card" aria-labelledby="tests-title">
              <h2 id="tests-title" className="card-title">Gate tests <span className="count">{a.tests.length}</span></h2>
              <div className="table-wrap">
                <table className="table">
                  <thead><tr><th scope="col">Test</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Site</th></tr></thead>
                  <tbody>
                    {a.tests.map((t) => (
                      <tr key={t.name}>
                        <th scope="row">{t.name}</th>
                        <td>{t.kind}</td>
                        <td className="mono small">{t.location}</td>
                        <td>
                          {t.targetId !== null
                            ? <Link to={paths.site(t.targetId)}>open</Link>
                            : <span className="muted">{t.kind === 'url' ? 'not applied' : 'not a site'}</span>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            <GateHistory name={name} gates={gates.data?.data} />
            {detail.data !== undefined && (
              <section className="card" aria-labelledby="runs-title">
                <h2 id="runs-title" className="card-title">Runs of the latest gate ({shortRevision(detail.data.revision)})</h2>
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">App</th><th scope="col">Test</th><th scope="col">Status</th>
                        <th scope="col" className="num">p95</th><th scope="col" className="num">Fail rate</th>
                        <th scope="col" className="num">Req/s</th><th scope="col">Run</th>
                      </tr>
                    </thead>
                    <tbody>
                      {detail.data.runs.map((r) => (
                        <tr key={`${r.app}/${r.test}`}>
                          <td>{r.app}</td><th scope="row">{r.test}</th><td><GateBadge status={r.status} /></td>
                          <td className="num">{formatMs(r.metrics.p95)}</td>
                          <td className="num">{formatPercent(r.metrics.error_rate)}</td>
                          <td className="num">{formatRate(r.metrics.rps)}</td>
                          <td>{r.runId === null ? <span className="muted">local</span> : <Link to={paths.run(r.runId)}>open</Link>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
            )}
          </>
        )}
    </>
  )
}

function GateHistory ({ name, gates }: { name: string, gates: Gate[] | undefined }): ReactNode {
  return (
    <section className="card" aria-labelledby="gates-title">
      <h2 id="gates-title" className="card-title">Gates by revision</h2>
      {gates === undefined
        ? <Loading />
        : gates.length === 0
          ? <p className="muted">No gate recorded yet.</p>
          : (
            <div className="table-wrap">
              <table className="table gates-table">
                <thead>
                  <tr>
                    <th scope="col">Revision</th><th scope="col">Verdict</th><th scope="col">Status here</th>
                    <th scope="col">Gate of</th><th scope="col">Ran</th><th scope="col">Baseline</th>
                    <th scope="col">Finished</th><th scope="col">By</th><th scope="col">Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {gates.map((g) => (
                    <tr key={g.id}>
                      <th scope="row" className="mono" title={g.revision ?? ''}>{shortRevision(g.revision)}</th>
                      <td><GateBadge status={g.verdict} /></td>
                      <td><GateBadge status={g.apps.find((x) => x.name === name)?.status ?? 'skipped'} /></td>
                      <td>{g.app}</td>
                      <td>{g.mode === 'local' ? 'locally' : 'on the fleet'}</td>
                      <td className="mono">{shortRevision(g.baselineRevision)}</td>
                      <td className="nowrap">{formatDateTime(g.finishedAt)}</td>
                      <td>{g.actor}</td>
                      <td>
                        {g.revision !== null && (
                          <a href={ROUTES.dashboardAppRevisionEvidence(name, g.revision)} download
                            title={`SHA-256 ${g.evidenceSha256}`}>JSON</a>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </section>
  )
}

function isMissing (error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && (error as { status: number }).status === 404
}
