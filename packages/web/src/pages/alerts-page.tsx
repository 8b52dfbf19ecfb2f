import { useState, type ReactNode } from 'react'
import type { Alert, AlertsOverview } from '@loadfleet/api/client'
import { SignInCancelled, useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useNow } from '../use-now'
import { useTitle } from '../use-title'
import { formatDateTime, formatRelative } from '../format'
import { Link, paths } from '../router'
import { ErrorNotice, Loading, errorMessage } from '../components/states'
import { AlertsAdmin } from './alerts-admin'

// "Silence" from an alert row mutes it for this long; longer maintenance windows are set in the silences form.
const QUICK_SILENCE_MS = 3_600_000
const SEVERITY_TONE: Record<string, string> = { critical: 'bad', warning: 'warn', info: 'info' }

export function AlertsPage (): ReactNode {
  useTitle('Alerts')
  const { client, user, role, can } = useApi()
  const alerts = usePolled('alerts', () => client.dashboardAlerts())
  const [adminNonce, setAdminNonce] = useState(0)
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Alerts</h1>
          <p className="muted">What is wrong with your sites now, what may be about to be, and what recovered.</p>
        </div>
      </div>
      <ErrorNotice error={alerts.error} />
      {alerts.data === undefined
        ? alerts.loading && <Loading />
        : <AlertSections overview={alerts.data} onSilenced={() => { alerts.reload(); setAdminNonce((n) => n + 1) }} />}
      {user === null
        ? <AdminSignIn />
        : can('edit')
          ? <AlertsAdmin key={adminNonce} onChanged={alerts.reload} />
          : <p className="muted">Your role ({role}) sees alerts but cannot change rules, channels or silences.</p>}
    </>
  )
}

function AdminSignIn (): ReactNode {
  const { signIn } = useApi()
  return (
    <section className="card" aria-labelledby="alerts-admin-title">
      <h2 id="alerts-admin-title" className="card-title">Rules, channels and silences</h2>
      <p className="muted">Sign in as admin to manage alert rules, notification channels and silences.</p>
      <div className="actions"><button type="button" className="button" onClick={signIn}>Admin sign-in</button></div>
    </section>
  )
}

function AlertSections ({ overview, onSilenced }: { overview: AlertsOverview, onSilenced: () => void }): ReactNode {
  return (
    <>
      <AlertTable title="Firing" alerts={overview.firing} empty="Nothing is firing." onSilenced={onSilenced} />
      <AlertTable title="Pending" alerts={overview.pending} empty="Nothing pending: no rule holds in the newest run."
        onSilenced={onSilenced} />
      <AlertTable title="Recently resolved" alerts={overview.resolved} empty="No alert has resolved yet." />
    </>
  )
}

function AlertTable ({ title, alerts, empty, onSilenced }: {
  title: string, alerts: Alert[], empty: string, onSilenced?: () => void
}): ReactNode {
  const now = useNow()
  const id = `alerts-${title.toLowerCase().replace(/\W+/g, '-')}`
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id} className="card-title">{title} <span className="count">{alerts.length}</span></h2>
      {alerts.length === 0
        ? <p className="muted">{empty}</p>
        : (
          <div className="table-wrap">
            <table className="table stack-sm">
              <thead>
                <tr>
                  <th scope="col">Alert</th>
                  <th scope="col">Site</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Since</th>
                  <th scope="col">What was seen</th>
                  {onSilenced !== undefined && <th scope="col"><span className="visually-hidden">Actions</span></th>}
                </tr>
              </thead>
              <tbody>
                {alerts.map((alert) => (
                  <AlertRow key={alert.id} alert={alert} now={now} onSilenced={onSilenced} />
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  )
}

function AlertRow ({ alert, now, onSilenced }: {
  alert: Alert, now: number, onSilenced: (() => void) | undefined
}): ReactNode {
  const { withAdmin, can } = useApi()
  const [error, setError] = useState<string | null>(null)
  const since = alert.resolvedAt ?? alert.firingAt ?? alert.pendingAt
  async function silence (): Promise<void> {
    setError(null)
    try {
      await withAdmin((client) => client.createSilence({
        matchers: [{ name: 'alertname', value: alert.labels.alertname ?? '' }, { name: 'site_id', value: alert.targetId }],
        endsAt: new Date(Date.now() + QUICK_SILENCE_MS).toISOString(),
        comment: 'silenced from the Alerts page',
      }))
      onSilenced?.()
    } catch (err) {
      if (!(err instanceof SignInCancelled)) setError(errorMessage(err))
    }
  }
  return (
    <tr>
      <th scope="row">{alert.labels.alertname}</th>
      <td data-label="Site"><Link to={paths.site(alert.targetId)}>{alert.labels.site ?? alert.targetId}</Link></td>
      <td data-label="Severity">
        <span className={`badge badge-${SEVERITY_TONE[alert.severity] ?? 'neutral'}`}>{alert.severity}</span>
      </td>
      <td data-label="Since" title={formatDateTime(since)}>{formatRelative(since, now)}</td>
      <td data-label="What was seen">
        {alert.annotations.summary}
        {alert.silencedBy.length > 0 && <> <span className="badge badge-neutral">silenced</span></>}
        {error !== null && <span className="field-error" role="alert">{error}</span>}
      </td>
      {onSilenced !== undefined && (
        <td className="row-actions">
          {alert.silencedBy.length === 0 && can('edit') && (
            <button type="button" className="button small" onClick={() => { void silence() }}
              aria-label={`Silence ${alert.labels.alertname ?? ''} on ${alert.labels.site ?? ''} for 1 hour`}>Silence 1 h</button>
          )}
        </td>
      )}
    </tr>
  )
}
