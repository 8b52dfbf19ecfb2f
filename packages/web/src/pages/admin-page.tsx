import { useState, type FormEvent, type ReactNode } from 'react'
import type { ApiToken, AuditEntry } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { FormField, useAdminAction } from '../components/admin-form'
import { ErrorNotice, Loading } from '../components/states'
import { usePolled } from '../use-polled'
import { useTitle } from '../use-title'
import { formatDateTime } from '../format'

const TOKEN_LABELS: Record<string, string> = { name: 'Name', role: 'Role', expiresInDays: 'Expires in (days)' }
const AUDIT_PAGE_ROWS = 50

/** API tokens and the audit log: what only an admin may see. */
export function AdminPage (): ReactNode {
  useTitle('Admin')
  const { user, signIn } = useApi()
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Admin</h1>
          <p className="muted">API tokens for CI and scripts, and the audit log of every change.</p>
        </div>
      </div>
      {user === null
        ? (
          <section className="card" aria-labelledby="admin-sign-in-title">
            <h2 id="admin-sign-in-title" className="card-title">Tokens and audit log</h2>
            <p className="muted">Sign in as admin to manage API tokens and read the audit log.</p>
            <div className="actions"><button type="button" className="button" onClick={signIn}>Admin sign-in</button></div>
          </section>
        )
        : (
          <>
            <TokensCard />
            <AuditCard />
          </>
        )}
    </>
  )
}

function TokensCard (): ReactNode {
  const { client } = useApi()
  const tokens = usePolled('tokens', () => client.listApiTokens())
  const action = useAdminAction()
  const [form, setForm] = useState({ name: '', role: 'viewer', expiresInDays: '30' })
  const [created, setCreated] = useState<{ name: string, token: string } | null>(null)

  async function create (event: FormEvent): Promise<void> {
    event.preventDefault()
    const days = form.expiresInDays.trim()
    await action.run(async (c) => {
      const made = await c.createApiToken({
        name: form.name.trim(), role: form.role as ApiToken['role'], ...(days === '' ? {} : { expiresInDays: Number(days) }),
      })
      setCreated({ name: form.name.trim(), token: made.token })
      setForm((f) => ({ ...f, name: '' }))
      tokens.reload()
    }, TOKEN_LABELS)
  }

  const list = tokens.data?.data
  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title" className="card-title">API tokens {list !== undefined && <span className="count">{list.length}</span>}</h2>
      <ErrorNotice error={tokens.error} />
      {created !== null && (
        <div className="notice" role="status">
          <p><strong>Token “{created.name}”</strong>: copy it now, it is not shown again (only its hash is kept).</p>
          <p><code className="mono token-once" aria-label="New token">{created.token}</code></p>
          <div className="actions">
            <button type="button" className="button small" onClick={() => { void navigator.clipboard?.writeText(created.token) }}>Copy</button>
            <button type="button" className="button small ghost" onClick={() => { setCreated(null) }}>Done</button>
          </div>
        </div>
      )}
      {list === undefined
        ? tokens.loading && <Loading />
        : list.length === 0
          ? <p className="muted">No token yet. CI and scripts use one as <code>Authorization: Bearer lf_…</code>.</p>
          : (
            <div className="table-wrap">
              <table className="table stack-sm">
                <thead>
                  <tr><th scope="col">Token</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Expires</th>
                    <th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
                </thead>
                <tbody>
                  {list.map((token) => (
                    <tr key={token.id}>
                      <th scope="row">{token.name}</th>
                      <td data-label="Role">{token.role}</td>
                      <td data-label="Created">{formatDateTime(token.createdAt)} <span className="muted">by {token.createdBy}</span></td>
                      <td data-label="Expires">{token.expiresAt === null ? 'never' : formatDateTime(token.expiresAt)}</td>
                      <td data-label="Last used">{token.lastUsedAt === null ? 'never' : formatDateTime(token.lastUsedAt)}</td>
                      <td className="row-actions">
                        <button type="button" className="button small ghost" aria-label={`Revoke token ${token.name}`}
                          onClick={() => { void action.run((c) => c.deleteApiToken(token.id)).then(tokens.reload) }}>
                          Revoke
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      <form aria-label="Create token" onSubmit={(event) => { void create(event) }} noValidate className="alert-form">
        <div className="form-grid">
          <FormField id="token-name" group="token" name="name" label="Name" error={action.fields.name}>
            <input id="token-name" value={form.name} placeholder="ci-deploy"
              onChange={(e) => { setForm({ ...form, name: e.target.value }) }} />
          </FormField>
          <FormField id="token-role" group="token" name="role" label="Role" error={action.fields.role}>
            <select id="token-role" value={form.role} onChange={(e) => { setForm({ ...form, role: e.target.value }) }}>
              <option value="viewer">viewer — read</option>
              <option value="editor">editor — sites, rules, silences</option>
              <option value="admin">admin — everything</option>
            </select>
          </FormField>
          <FormField id="token-expiry" group="token" name="expiresInDays" label="Expires in (days)" error={action.fields.expiresInDays}>
            <input id="token-expiry" type="number" min={1} value={form.expiresInDays} placeholder="never"
              onChange={(e) => { setForm({ ...form, expiresInDays: e.target.value }) }} />
          </FormField>
        </div>
        {action.error !== null && <p className="form-error" role="alert">{action.error}</p>}
        <div className="actions"><button type="submit" className="button primary">Create token</button></div>
      </form>
    </section>
  )
}

interface AuditFilters { actor: string, action: string, entity: string, since: string }
const NO_FILTERS: AuditFilters = { actor: '', action: '', entity: '', since: '' }

/** The filters as the API takes them: empty ones left out, the date as the start of that day (UTC). */
function auditQuery (filters: AuditFilters): { actor?: string, action?: string, entity?: string, since?: string } {
  return {
    ...(filters.actor.trim() === '' ? {} : { actor: filters.actor.trim() }),
    ...(filters.action === '' ? {} : { action: filters.action }),
    ...(filters.entity === '' ? {} : { entity: filters.entity }),
    ...(filters.since === '' ? {} : { since: `${filters.since}T00:00:00Z` }),
  }
}

/** What changed, in one line: `field: from → to` for updates, the object's keys otherwise. */
function describeChange (entry: AuditEntry): string {
  const parts = Object.entries(entry.change).map(([field, value]) => {
    if (value !== null && typeof value === 'object' && 'from' in value && 'to' in value) {
      const { from, to } = value
      return `${field}: ${JSON.stringify(from)} → ${JSON.stringify(to)}`
    }
    return `${field}: ${JSON.stringify(value)}`
  })
  return parts.join('; ')
}

function AuditCard (): ReactNode {
  const { client } = useApi()
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS)
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS)
  const [limit, setLimit] = useState(AUDIT_PAGE_ROWS)
  const action = useAdminAction()
  const key = `audit:${JSON.stringify(filters)}:${limit}`
  const audit = usePolled(key, () => client.listAudit({ ...auditQuery(filters), limit }), 10_000)

  async function download (): Promise<void> {
    await action.run(async (c) => {
      const lines = await c.exportAudit(auditQuery(filters))
      const link = document.createElement('a')
      link.href = URL.createObjectURL(new Blob([lines], { type: 'application/x-ndjson' }))
      link.download = `loadfleet-audit-${new Date().toISOString().slice(0, 10)}.jsonl`
      link.click()
      URL.revokeObjectURL(link.href)
    })
  }

  const entries = audit.data?.data
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title" className="card-title">Audit log</h2>
      <form aria-label="Filter audit log" className="alert-form"
        onSubmit={(event) => { event.preventDefault(); setLimit(AUDIT_PAGE_ROWS); setFilters(draft) }}>
        <div className="form-grid">
          <FormField id="audit-actor" group="audit" name="actor" label="Who" error={undefined}>
            <input id="audit-actor" value={draft.actor} placeholder="admin, token:ci, user:…"
              onChange={(e) => { setDraft({ ...draft, actor: e.target.value }) }} />
          </FormField>
          <FormField id="audit-action" group="audit" name="action" label="Action" error={undefined}>
            <select id="audit-action" value={draft.action} onChange={(e) => { setDraft({ ...draft, action: e.target.value }) }}>
              <option value="">any</option>
              {['create', 'update', 'delete', 'apply', 'pin', 'unpin', 'accept', 'test', 'reconcile', 'rotate', 'deny',
                'gate', 'run', 'sign_in', 'sign_out', 'sign_in_failed'].map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          </FormField>
          <FormField id="audit-entity" group="audit" name="entity" label="About" error={undefined}>
            <select id="audit-entity" value={draft.entity} onChange={(e) => { setDraft({ ...draft, entity: e.target.value }) }}>
              <option value="">anything</option>
              {['target', 'baseline', 'change', 'config', 'apps', 'alert_rule', 'alert_channel', 'silence', 'api_token',
                'fleet', 'route', 'secret_key', 'app', 'distributed_run', 'user'].map((e) => <option key={e} value={e}>{e}</option>)}
            </select>
          </FormField>
          <FormField id="audit-since" group="audit" name="since" label="Since" error={undefined}>
            <input id="audit-since" type="date" value={draft.since} onChange={(e) => { setDraft({ ...draft, since: e.target.value }) }} />
          </FormField>
        </div>
        <div className="actions">
          <button type="submit" className="button">Filter</button>
          <button type="button" className="button ghost" onClick={() => { void download() }}>Export JSON lines</button>
        </div>
        {action.error !== null && <p className="form-error" role="alert">{action.error}</p>}
      </form>
      <ErrorNotice error={audit.error} />
      {entries === undefined
        ? audit.loading && <Loading />
        : entries.length === 0
          ? <p className="muted">Nothing recorded{filters === NO_FILTERS ? ' yet' : ' matches these filters'}.</p>
          : (
            <div className="table-wrap">
              <table className="table stack-sm audit-table">
                <thead>
                  <tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">From</th><th scope="col">Did</th>
                    <th scope="col">What changed</th></tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr key={entry.id}>
                      <td data-label="When">{formatDateTime(entry.at)}</td>
                      <th scope="row">{entry.actor}</th>
                      <td data-label="From" className="mono">{entry.address ?? 'control plane'}</td>
                      <td data-label="Did">{entry.action} {entry.entity}{entry.entityId !== null && <span className="muted mono"> {entry.entityId}</span>}</td>
                      <td data-label="What changed" className="mono small audit-change">{describeChange(entry)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      {audit.data?.pagination.nextCursor != null && (
        <div className="actions">
          <button type="button" className="button ghost" onClick={() => { setLimit((n) => Math.min(n + AUDIT_PAGE_ROWS, 200)) }}
            disabled={limit >= 200}>
            {limit >= 200 ? 'Export to see more' : 'Show more'}
          </button>
        </div>
      )}
    </section>
  )
}
