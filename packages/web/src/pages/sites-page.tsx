import { useCallback, useState, type ReactNode } from 'react'
import type { TargetCreate, TargetWithStats } from '@loadfleet/api/client'
import { SignInCancelled, useApi } from '../api-context'
import { usePolled } from '../use-polled'
import { useNow } from '../use-now'
import { useTitle } from '../use-title'
import { FAIL_RATE_ALERT, formatDateTime, formatInterval, formatMs, formatPercent, formatRelative } from '../format'
import { Link, paths } from '../router'
import { StatusBadge } from '../components/status-badge'
import { Sparkline } from '../components/sparkline'
import { formatChange, metricName } from '../components/change-markers'
import { EmptyState, ErrorNotice, Loading, errorMessage } from '../components/states'
import { ConfirmDialog } from '../components/confirm-dialog'
import { Toast, type ToastMessage } from '../components/toast'
import { SiteForm } from './site-form'

type Editing = { mode: 'add' } | { mode: 'edit', target: TargetWithStats } | null

export function SitesPage (): ReactNode {
  useTitle('Sites')
  const { client, withAdmin, can } = useApi()
  const targets = usePolled('targets', () => client.dashboardTargets())
  const [editing, setEditing] = useState<Editing>(null)
  const [rowError, setRowError] = useState<{ id: string, text: string } | null>(null)
  const [toast, setToast] = useState<ToastMessage | null>(null)
  const dismissToast = useCallback(() => { setToast(null) }, [])
  const now = useNow()

  async function save (body: TargetCreate): Promise<void> {
    if (editing?.mode === 'edit') await withAdmin((api) => api.updateTarget(editing.target.id, body))
    else await withAdmin((api) => api.createTarget(body))
    setEditing(null)
    targets.reload()
  }

  async function rowAction (id: string, action: () => Promise<unknown>): Promise<boolean> {
    setRowError(null)
    try {
      await action()
      targets.reload()
      return true
    } catch (err) {
      if (!(err instanceof SignInCancelled)) setRowError({ id, text: errorMessage(err) })
      return false
    }
  }

  /** One click (or key press) switches a site on or off at once; the toast offers to take it back. */
  async function setEnabled (target: TargetWithStats, enabled: boolean, undoable: boolean): Promise<void> {
    const done = await rowAction(target.id, () => withAdmin((api) => api.updateTarget(target.id, { enabled })))
    if (!done) return
    const name = target.label === '' ? target.url : target.label
    setToast({
      id: Date.now(),
      text: `${name} ${enabled ? 'enabled' : 'disabled'}.`,
      ...(undoable ? { action: { label: 'Undo', run: () => { void setEnabled(target, !enabled, false) } } } : {}),
    })
  }

  const list = targets.data?.data
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Sites</h1>
          <p className="muted">The URLs every agent load-tests, and how they have been doing.</p>
        </div>
        {editing === null && can('edit') && (
          <button type="button" className="button primary" onClick={() => { setEditing({ mode: 'add' }) }}>
            Add site
          </button>
        )}
      </div>
      {editing !== null && (
        <section className="card" aria-labelledby="site-form-title">
          <h2 id="site-form-title" className="card-title">{editing.mode === 'add' ? 'Add a site' : 'Edit site'}</h2>
          <SiteForm key={editing.mode === 'edit' ? editing.target.id : 'new'}
            {...(editing.mode === 'edit' ? { target: editing.target } : {})}
            onSave={save} onCancel={() => { setEditing(null) }} />
        </section>
      )}
      <ErrorNotice error={targets.error} />
      {list === undefined
        ? targets.loading && <Loading />
        : list.length === 0
          ? (
            <EmptyState title="No sites yet">
              Add the URL of a site to test; every agent in the fleet will run it on its interval.
            </EmptyState>
          )
          : (
            <section className="card flush" aria-label="Sites">
              <SitesTable targets={list} now={now} rowError={rowError}
                onEdit={(target) => { setEditing({ mode: 'edit', target }) }}
                onToggle={(target) => setEnabled(target, !target.enabled, true)}
                onDelete={async (target) => {
                  await rowAction(target.id, () => withAdmin((api) => api.deleteTarget(target.id)))
                }} />
            </section>
          )}
      <Toast toast={toast} onDismiss={dismissToast} />
    </>
  )
}

interface SitesTableProps {
  targets: TargetWithStats[]
  now: number
  rowError: { id: string, text: string } | null
  onEdit: (target: TargetWithStats) => void
  onToggle: (target: TargetWithStats) => Promise<void>
  onDelete: (target: TargetWithStats) => Promise<void>
}

type SortKey = 'name' | 'enabled' | 'load' | 'last' | 'p95' | 'errors'
interface Sort { key: SortKey, dir: 'ascending' | 'descending' }

const siteName = (t: TargetWithStats): string => (t.label === '' ? t.url : t.label)
/** The value each sortable column orders by; null (never run, not measured) always sorts last. */
const SORT_VALUES: Record<SortKey, (t: TargetWithStats) => string | number | null> = {
  name: (t) => siteName(t).toLocaleLowerCase(),
  enabled: (t) => (t.enabled ? 1 : 0),
  load: (t) => t.vus * t.durationS,
  last: (t) => (t.stats.lastRunAt === null ? null : Date.parse(t.stats.lastRunAt)),
  p95: (t) => t.stats.p95Ms,
  errors: (t) => t.stats.errorRate,
}

function sortTargets (targets: TargetWithStats[], sort: Sort | null): TargetWithStats[] {
  if (sort === null) return targets
  const value = SORT_VALUES[sort.key]
  const sign = sort.dir === 'ascending' ? 1 : -1
  return [...targets].sort((a, b) => {
    const x = value(a)
    const y = value(b)
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1
    return (x < y ? -1 : x > y ? 1 : 0) * sign
  })
}

function SortHeader ({ label, sortKey, sort, onSort, className }: {
  label: string, sortKey: SortKey, sort: Sort | null, onSort: (key: SortKey) => void, className?: string
}): ReactNode {
  const active = sort?.key === sortKey
  return (
    <th scope="col" className={className} aria-sort={active ? sort.dir : 'none'}>
      <button type="button" className="sort-button" onClick={() => { onSort(sortKey) }}>
        {label}<span className="sort-arrow" aria-hidden="true">{active ? (sort.dir === 'ascending' ? '▲' : '▼') : ''}</span>
      </button>
    </th>
  )
}

function SitesTable ({ targets, now, rowError, onEdit, onToggle, onDelete }: SitesTableProps): ReactNode {
  const [sort, setSort] = useState<Sort | null>(null)
  const onSort = (key: SortKey): void => {
    setSort((old) => ({ key, dir: old?.key === key && old.dir === 'ascending' ? 'descending' : 'ascending' }))
  }
  const rows = sortTargets(targets, sort)
  // One scale for every sparkline, from 0 to the highest p95 of any site's trend: a flat line means the same at
  // 20 ms as at 2 s, and a taller line is a slower site.
  const trendMax = Math.max(0, ...targets.flatMap((t) => t.stats.p95TrendMs))
  const header = { sort, onSort }
  return (
    <div className="table-wrap">
      <table className="table sites-table">
        <thead>
          <tr>
            <SortHeader label="Site" sortKey="name" {...header} />
            <SortHeader label="Enabled" sortKey="enabled" {...header} />
            <SortHeader label="Load" sortKey="load" {...header} />
            <SortHeader label="Last run" sortKey="last" {...header} />
            <SortHeader label="p95" sortKey="p95" className="num" {...header} />
            <SortHeader label="Errors" sortKey="errors" className="num" {...header} />
            <th scope="col">p95 trend <span className="muted small" data-testid="trend-scale">
              (0–{formatMs(trendMax > 0 ? trendMax : null)}, all sites)</span></th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((target) => (
            <SiteRow key={target.id} target={target} now={now} trendMax={trendMax}
              error={rowError?.id === target.id ? rowError.text : null}
              onEdit={() => { onEdit(target) }} onToggle={() => onToggle(target)} onDelete={() => onDelete(target)} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ChangedMarker ({ changes }: { changes: TargetWithStats['stats']['openChanges'] }): ReactNode {
  if (changes.length === 0) return null
  const parts = changes.map((c) => {
    const change = c.relativeChange === null ? (c.direction === 'increase' ? 'up' : 'down') : formatChange(c.relativeChange)
    return `${metricName(c.metric)} ${change}`
  })
  return (
    <span className="badge badge-warn changed-marker" data-testid="site-changed" title={`Changed: ${parts.join(', ')}`}>
      changed: {parts.join(', ')}
    </span>
  )
}

interface SiteRowProps {
  target: TargetWithStats
  now: number
  trendMax: number
  error: string | null
  onEdit: () => void
  onToggle: () => Promise<void>
  onDelete: () => Promise<void>
}

function SiteRow ({ target, now, trendMax, error, onEdit, onToggle, onDelete }: SiteRowProps): ReactNode {
  const [confirming, setConfirming] = useState(false)
  // A viewer sees the switch's state but cannot flip it, and gets no edit or delete buttons.
  const editable = useApi().can('edit')
  const { stats } = target
  const name = target.label === '' ? target.url : target.label
  const failing = stats.errorRate !== null && stats.errorRate > FAIL_RATE_ALERT
  return (
    <tr className={target.enabled ? undefined : 'row-disabled'}>
      <th scope="row" className="site-cell cell-site">
        <Link to={paths.site(target.id)} className="site-name" title={name}>{name}</Link>
        {target.label !== '' && <span className="site-url" title={target.url}>{target.url}</span>}
        <ChangedMarker changes={stats.openChanges} />
        {error !== null && <span className="field-error" role="alert">{error}</span>}
      </th>
      <td className="cell-switch">
        <button type="button" role="switch" aria-checked={target.enabled} className="switch" disabled={!editable}
          aria-label={`Enabled: ${name}`} onClick={() => { void onToggle() }}>
          <span className="switch-knob" aria-hidden="true" />
        </button>
      </td>
      <td className="nowrap muted cell-load">
        {target.vus} VU · {target.durationS} s · every {formatInterval(target.runIntervalMs)}
      </td>
      <td className="nowrap cell-last">
        {stats.lastRunAt === null
          ? <span className="muted">never</span>
          : (
            <span className="last-run" title={formatDateTime(stats.lastRunAt)}>
              {stats.lastStatus !== null && <StatusBadge status={stats.lastStatus} />}
              {formatRelative(stats.lastRunAt, now)}
            </span>
          )}
        {stats.lastVerdict !== null && stats.lastVerdict !== stats.lastStatus && (
          <span className="verdict-line">last verdict <StatusBadge status={stats.lastVerdict} /></span>
        )}
        {stats.lastFailureReason !== null && (
          <span className="verdict-reason" data-testid="site-reason" title={stats.lastFailureReason}>
            {stats.lastFailureReason}
          </span>
        )}
      </td>
      <td className="num cell-p95" data-label="p95" data-testid="site-p95">{formatMs(stats.p95Ms)}</td>
      <td className={failing ? 'num bad cell-errors' : 'num cell-errors'} data-label="Errors">
        {formatPercent(stats.errorRate)}
      </td>
      <td className="trend cell-trend"><Sparkline values={stats.p95TrendMs} label={`p95 trend of ${name}`}
        scaleMax={trendMax} /></td>
      <td className="row-actions cell-actions">
        {editable && (
          <>
            <button type="button" className="button small ghost" onClick={onEdit}
              aria-label={`Edit ${name}`}>Edit</button>
            <button type="button" className="button small ghost danger-text" onClick={() => { setConfirming(true) }}
              aria-label={`Delete ${name}`}>Delete</button>
          </>
        )}
        {confirming && (
          <ConfirmDialog label={`Confirm deleting ${name}`} title="Delete this site?" confirmLabel="Delete site"
            onCancel={() => { setConfirming(false) }}
            onConfirm={() => { setConfirming(false); void onDelete() }}>
            <strong className="dialog-name">{name}</strong> is no longer tested by any agent. Its past runs stay
            in the run history.
          </ConfirmDialog>
        )}
      </td>
    </tr>
  )
}
