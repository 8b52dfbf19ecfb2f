import type { ReactNode } from 'react'
import type { Agent, FleetStatus } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useNow } from '../use-now'
import { useTitle } from '../use-title'
import { formatDateTime, formatRelative } from '../format'
import { Link, paths } from '../router'
import { StatusBadge } from '../components/status-badge'
import { EmptyState, ErrorNotice, Loading } from '../components/states'
import { ScaleControl } from './scale-control'

export function FleetPage (): ReactNode {
  useTitle('Fleet')
  const { client, can } = useApi()
  const agents = usePolled('agents', () => client.dashboardAgents())
  const now = useNow()
  const fleet = agents.data?.fleet

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Fleet</h1>
          <p className="muted">The k6 agents that load-test your sites, and how many of them should run.</p>
        </div>
      </div>
      <ErrorNotice error={agents.error} />
      {agents.data === undefined
        ? agents.loading && <Loading />
        : (
          <>
            <FleetSummary fleet={agents.data.fleet} agents={agents.data.data} now={now} />
            <section className="card" aria-labelledby="scale-title">
              <h2 id="scale-title" className="card-title">Scale</h2>
              {fleet !== undefined && can('admin') && <ScaleControl fleet={fleet} onChanged={agents.reload} />}
            </section>
            <section className="card" aria-labelledby="agents-title">
              <h2 id="agents-title" className="card-title">Agents <span className="count">{agents.data.data.length}</span></h2>
              <AgentsTable agents={agents.data.data} now={now} />
            </section>
          </>
        )}
    </>
  )
}

function FleetSummary ({ fleet, agents, now }: { fleet: FleetStatus, agents: Agent[], now: number }): ReactNode {
  const count = (status: Agent['status']): number => agents.filter((agent) => agent.status === status).length
  const degraded = agents.filter((agent) => agent.status !== 'offline' && agent.degradedReason !== null).length
  return (
    <section className="stats" aria-label="Fleet status">
      <Stat label="Desired" value={String(fleet.desired)} />
      <Stat label="Running" value={fleet.running === null ? '—' : String(fleet.running)}
        hint={`scaler: ${fleet.scaler}`} />
      <Stat label="Online" value={String(count('online'))} />
      <Stat label="Busy" value={String(count('busy'))} />
      <Stat label="Offline" value={String(count('offline'))} />
      {degraded > 0 && <Stat label="Degraded" value={String(degraded)} hint="start no run" />}
      <div className="stat stat-wide">
        <span className="stat-label">Last reconcile</span>
        <span className="stat-text" title={formatDateTime(fleet.lastReconcileAt)}>
          {fleet.lastReconcileAt === null ? 'never' : formatRelative(fleet.lastReconcileAt, now)}
        </span>
        {fleet.lastError !== null
          ? <span className="stat-error" role="alert">Last error: {fleet.lastError}</span>
          : <span className="stat-hint">no errors</span>}
        {fleet.note !== null && <span className="stat-hint">{fleet.note}</span>}
      </div>
    </section>
  )
}

function Stat ({ label, value, hint }: { label: string, value: string, hint?: string }): ReactNode {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {hint !== undefined && <span className="stat-hint">{hint}</span>}
    </div>
  )
}

const byName = (a: Agent, b: Agent): number => a.name.localeCompare(b.name, 'en', { numeric: true })

function AgentsTable ({ agents, now }: { agents: Agent[], now: number }): ReactNode {
  if (agents.length === 0) {
    return (
      <EmptyState title="No agents yet — scale the fleet to 1">
        Set the desired count above and apply it, or start one with <code>npx loadfleet agent</code>.
      </EmptyState>
    )
  }
  return (
    <div className="table-wrap">
      <table className="table stack-sm">
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Status</th>
            <th scope="col">Version</th>
            <th scope="col">Last seen</th>
            <th scope="col">Current run</th>
          </tr>
        </thead>
        <tbody>
          {[...agents].sort(byName).map((agent) => (
            <tr key={agent.name}>
              <th scope="row" className="mono"><span className="clip" title={agent.name}>{agent.name}</span></th>
              <td data-label="Status">
                <StatusBadge status={agent.status} />
                {agent.status !== 'offline' && agent.degradedReason !== null &&
                  <> <DegradedBadge reason={agent.degradedReason} /></>}
              </td>
              <td className="mono" data-label="Version">{agent.version}</td>
              <td data-label="Last seen" title={formatDateTime(agent.lastSeenAt)}>{formatRelative(agent.lastSeenAt, now)}</td>
              <td data-label="Current run">
                {agent.currentRunId === null
                  ? <span className="muted">idle</span>
                  : <Link to={paths.run(agent.currentRunId)} className="mono">{agent.currentRunId.slice(0, 8)}</Link>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The agent keeps heartbeating but starts no run; the reason (e.g. a full spool directory) shows on hover. */
function DegradedBadge ({ reason }: { reason: string }): ReactNode {
  return (
    <span className="badge badge-warn" title={`Degraded, starts no run: ${reason}`}>
      Degraded
    </span>
  )
}
