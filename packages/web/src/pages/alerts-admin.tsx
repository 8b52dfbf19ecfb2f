import { useState, type FormEvent, type ReactNode } from 'react'
import type { AlertChannel, AlertRule, Silence } from '@loadfleet/api/client'
import { useApi } from '../api-context'
import { FormField, useAdminAction } from '../components/admin-form'
import { usePolled } from '../use-polled'
import { formatDateTime } from '../format'
import { ErrorNotice, Loading } from '../components/states'

const RULE_LABELS: Record<string, string> = { name: 'Name', condition: 'Condition', k: 'k', m: 'm', severity: 'Severity' }
const CHANNEL_LABELS: Record<string, string> = { name: 'Name', type: 'Type', url: 'URL', secret: 'Signing secret' }

/** Rules, channels and silences, for a signed-in admin. */
export function AlertsAdmin ({ onChanged }: { onChanged: () => void }): ReactNode {
  const { client } = useApi()
  const data = usePolled('alerts-admin', async () => {
    const [rules, channels, silences] = await Promise.all([
      client.listAlertRules(), client.listAlertChannels(), client.listSilences(),
    ])
    return { rules: rules.data, channels: channels.data, silences: silences.data }
  })
  const reload = (): void => { data.reload(); onChanged() }
  return (
    <>
      <ErrorNotice error={data.error} />
      {data.data === undefined
        ? data.loading && <Loading />
        : (
          <>
            <RulesCard rules={data.data.rules} onChanged={reload} />
            <ChannelsCard channels={data.data.channels} onChanged={reload} />
            <SilencesCard silences={data.data.silences} onChanged={reload} />
          </>
        )}
    </>
  )
}

/** Calls `next` once the action succeeded. */
async function then (done: Promise<boolean>, next: () => void): Promise<void> {
  if (await done) next()
}

const useAction = useAdminAction

function Field (props: {
  id: string, name: string, label: string, error: string | undefined, children: ReactNode
}): ReactNode {
  return <FormField group="alert" {...props} />
}

function RulesCard ({ rules, onChanged }: { rules: AlertRule[], onChanged: () => void }): ReactNode {
  const action = useAction()
  const [form, setForm] = useState({ name: '', condition: 'p95 > 500ms', k: '2', m: '3', severity: 'warning' })
  async function add (event: FormEvent): Promise<void> {
    event.preventDefault()
    const ok = await action.run((client) => client.createAlertRule({
      name: form.name, condition: form.condition, k: Number(form.k), m: Number(form.m),
      severity: form.severity as AlertRule['severity'],
    }), RULE_LABELS)
    if (ok) {
      setForm((f) => ({ ...f, name: '' }))
      onChanged()
    }
  }
  return (
    <section className="card" aria-labelledby="alert-rules-title">
      <h2 id="alert-rules-title" className="card-title">Rules <span className="count">{rules.length}</span></h2>
      <div className="table-wrap">
        <table className="table stack-sm">
          <thead>
            <tr><th scope="col">Rule</th><th scope="col">Condition</th><th scope="col">Severity</th><th scope="col">Applies to</th>
              <th scope="col">Enabled</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <tr key={rule.id}>
                <th scope="row">{rule.name}{rule.builtIn && <> <span className="badge badge-neutral">built in</span></>}</th>
                <td data-label="Condition" className="mono">{rule.condition} <span className="muted">in {rule.k} of {rule.m} runs</span></td>
                <td data-label="Severity">{rule.severity}</td>
                <td data-label="Applies to">{rule.targetId !== null ? 'one site' : Object.keys(rule.selector).length > 0 ? Object.entries(rule.selector).map(([k, v]) => `${k}=${v}`).join(', ') : 'every site'}</td>
                <td data-label="Enabled">
                  <button type="button" role="switch" aria-checked={rule.enabled} className="switch" aria-label={`Rule ${rule.name} enabled`}
                    onClick={() => {
                      void then(action.run((c) => c.updateAlertRule(rule.id, { enabled: !rule.enabled })), onChanged)
                    }}>
                    <span className="switch-knob" aria-hidden="true" />
                  </button>
                </td>
                <td className="row-actions">
                  {!rule.builtIn && (
                    <button type="button" className="button small ghost" aria-label={`Delete rule ${rule.name}`}
                      onClick={() => { void then(action.run((c) => c.deleteAlertRule(rule.id)), onChanged) }}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form aria-label="Add rule" onSubmit={(event) => { void add(event) }} noValidate className="alert-form">
        <div className="form-grid">
          <Field id="rule-name" name="name" label="Name" error={action.fields.name}>
            <input id="rule-name" value={form.name} onChange={(e) => { setForm({ ...form, name: e.target.value }) }} placeholder="CheckoutSlow" />
          </Field>
          <Field id="rule-condition" name="condition" label="Condition" error={action.fields.condition}>
            <input id="rule-condition" className="mono" value={form.condition} onChange={(e) => { setForm({ ...form, condition: e.target.value }) }} />
          </Field>
          <Field id="rule-k" name="k" label="k" error={action.fields.k}>
            <input id="rule-k" type="number" min={1} value={form.k} onChange={(e) => { setForm({ ...form, k: e.target.value }) }} />
          </Field>
          <Field id="rule-m" name="m" label="m" error={action.fields.m}>
            <input id="rule-m" type="number" min={1} value={form.m} onChange={(e) => { setForm({ ...form, m: e.target.value }) }} />
          </Field>
          <Field id="rule-severity" name="severity" label="Severity" error={action.fields.severity}>
            <select id="rule-severity" value={form.severity} onChange={(e) => { setForm({ ...form, severity: e.target.value }) }}>
              <option value="critical">critical</option><option value="warning">warning</option><option value="info">info</option>
            </select>
          </Field>
        </div>
        <p className="field-hint">Conditions: <code>p95 &gt; 500ms</code>, <code>error_rate &gt; 5%</code>, <code>p95 &gt; +50%</code> (vs. the baseline), <code>regression(p95)</code>, <code>failed</code>, <code>no_run &gt; 3x</code>; fires when it holds in k of the last m runs.</p>
        {action.error !== null && <p className="form-error" role="alert">{action.error}</p>}
        <div className="actions"><button type="submit" className="button primary">Add rule</button></div>
      </form>
    </section>
  )
}

function ChannelsCard ({ channels, onChanged }: { channels: AlertChannel[], onChanged: () => void }): ReactNode {
  const action = useAction()
  const [form, setForm] = useState({ name: '', type: 'webhook', url: '', secret: '' })
  const [tested, setTested] = useState<Record<string, string>>({})
  async function add (event: FormEvent): Promise<void> {
    event.preventDefault()
    const ok = await action.run((client) => client.createAlertChannel({
      name: form.name, type: form.type as AlertChannel['type'], url: form.url.trim(),
      ...(form.secret === '' ? {} : { secret: form.secret }),
    }), CHANNEL_LABELS)
    if (ok) {
      setForm({ name: '', type: 'webhook', url: '', secret: '' })
      onChanged()
    }
  }
  async function test (channel: AlertChannel): Promise<void> {
    await action.run(async (client) => {
      const result = await client.testAlertChannel(channel.id)
      setTested((t) => ({ ...t, [channel.id]: result.delivered ? `Delivered (HTTP ${result.httpStatus ?? ''})` : `Not delivered: ${result.error ?? ''}` }))
    })
  }
  return (
    <section className="card" aria-labelledby="alert-channels-title">
      <h2 id="alert-channels-title" className="card-title">Channels <span className="count">{channels.length}</span></h2>
      {channels.length === 0
        ? <p className="muted">No channel yet: alerts show here but notify no one.</p>
        : (
          <div className="table-wrap">
            <table className="table stack-sm">
              <thead>
                <tr><th scope="col">Channel</th><th scope="col">Type</th><th scope="col">URL</th><th scope="col">Outbox</th>
                  <th scope="col"><span className="visually-hidden">Actions</span></th></tr>
              </thead>
              <tbody>
                {channels.map((channel) => (
                  <tr key={channel.id}>
                    <th scope="row">{channel.name}{channel.secretSet && <> <span className="badge badge-neutral">signed</span></>}</th>
                    <td data-label="Type">{channel.type}</td>
                    <td data-label="URL" className="mono"><span className="clip" title={channel.url}>{channel.url}</span></td>
                    <td data-label="Outbox">
                      {channel.pendingNotifications} waiting, {channel.failedNotifications} failed
                      {channel.lastError !== null && <span className="field-error">{channel.lastError}</span>}
                      {tested[channel.id] !== undefined && <span className="field-hint" role="status">{tested[channel.id]}</span>}
                    </td>
                    <td className="row-actions">
                      <button type="button" className="button small" onClick={() => { void test(channel) }}
                        aria-label={`Send test notification to ${channel.name}`}>Send test notification</button>
                      {' '}
                      <button type="button" className="button small ghost" aria-label={`Delete channel ${channel.name}`}
                        onClick={() => { void then(action.run((c) => c.deleteAlertChannel(channel.id)), onChanged) }}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      <form aria-label="Add channel" onSubmit={(event) => { void add(event) }} noValidate className="alert-form">
        <div className="form-grid">
          <Field id="channel-name" name="name" label="Name" error={action.fields.name}>
            <input id="channel-name" value={form.name} onChange={(e) => { setForm({ ...form, name: e.target.value }) }} placeholder="ops" />
          </Field>
          <Field id="channel-type" name="type" label="Type" error={action.fields.type}>
            <select id="channel-type" value={form.type} onChange={(e) => { setForm({ ...form, type: e.target.value }) }}>
              <option value="webhook">Webhook (Alertmanager format, signed)</option><option value="slack">Slack</option>
              <option value="alertmanager">Alertmanager</option>
            </select>
          </Field>
          <Field id="channel-url" name="url" label="URL" error={action.fields.url}>
            <input id="channel-url" type="url" value={form.url} onChange={(e) => { setForm({ ...form, url: e.target.value }) }} placeholder="https://hooks.example.com/loadfleet" />
          </Field>
          {form.type === 'webhook' && (
            <Field id="channel-secret" name="secret" label="Signing secret" error={action.fields.secret}>
              <input id="channel-secret" type="password" autoComplete="new-password" value={form.secret} onChange={(e) => { setForm({ ...form, secret: e.target.value }) }} />
            </Field>
          )}
        </div>
        <div className="actions"><button type="submit" className="button primary">Add channel</button></div>
      </form>
    </section>
  )
}

function SilencesCard ({ silences, onChanged }: { silences: Silence[], onChanged: () => void }): ReactNode {
  const action = useAction()
  const live = silences.filter((s) => s.state !== 'expired')
  return (
    <section className="card" aria-labelledby="alert-silences-title">
      <h2 id="alert-silences-title" className="card-title">Silences <span className="count">{live.length}</span></h2>
      {action.error !== null && <p className="form-error" role="alert">{action.error}</p>}
      {live.length === 0
        ? <p className="muted">No active or upcoming silence. Use “Silence 1 h” on an alert, or the API for maintenance windows.</p>
        : (
          <ul className="silences">
            {live.map((silence) => (
              <li key={silence.id}>
                <span className="mono">{silence.matchers.map((m) => `${m.name}${m.isEqual ? '=' : '!='}${m.value}`).join(', ')}</span>
                {' '}<span className="muted">{silence.state} until {formatDateTime(silence.endsAt)}</span>
                {silence.comment !== '' && <span className="muted"> — {silence.comment}</span>}
                {' '}
                <button type="button" className="button small ghost" onClick={() => { void then(action.run((c) => c.deleteSilence(silence.id)), onChanged) }}>Expire</button>
              </li>
            ))}
          </ul>
        )}
    </section>
  )
}
