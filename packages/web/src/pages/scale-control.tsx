import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { DESIRED_AGENT_COUNT_MAX, type FleetStatus } from '@loadfleet/api/client'
import { SignInCancelled, useApi } from '../api-context'
import { fieldErrorsOf } from '../form-errors'
import { errorMessage } from '../components/states'
import { formatCount } from '../format'
import { scaleStops, stopIndexOf } from './scale-stops'

const PRESETS = [0, 1, 5, 10, 50, 100, 500, 1000] as const
const STOPS = scaleStops(DESIRED_AGENT_COUNT_MAX)
const FIELD_LABELS = { k6DesiredAgentCount: 'Desired agents' }

type Feedback = { tone: 'ok' | 'error', text: string } | null

/**
 * The desired fleet size: a slider that steps by 1 up to 10 and coarser beyond (up to 1,000), a number field for
 * any exact count, and presets; applied with PUT /api/admin/config.
 */
export function ScaleControl ({ fleet, onChanged }: { fleet: FleetStatus, onChanged: () => void }): ReactNode {
  const { withAdmin } = useApi()
  const id = useId()
  // null = follow the server's value; a number = the user's unsaved choice.
  const [draft, setDraft] = useState<number | null>(null)
  const [busy, setBusy] = useState<'apply' | 'reconcile' | null>(null)
  const [feedback, setFeedback] = useState<Feedback>(null)
  const value = draft ?? fleet.desired
  const dirty = draft !== null && draft !== fleet.desired

  function choose (next: number): void {
    setDraft(Math.min(DESIRED_AGENT_COUNT_MAX, Math.max(0, Math.round(next))))
    setFeedback(null)
  }

  async function run (kind: 'apply' | 'reconcile', action: () => Promise<string>): Promise<void> {
    setBusy(kind)
    setFeedback(null)
    try {
      setFeedback({ tone: 'ok', text: await action() })
      onChanged()
    } catch (err) {
      if (err instanceof SignInCancelled) return
      setFeedback({ tone: 'error', text: fieldErrorsOf(err, FIELD_LABELS).k6DesiredAgentCount ?? errorMessage(err) })
    } finally {
      setBusy(null)
    }
  }

  function apply (event: FormEvent): void {
    event.preventDefault()
    void run('apply', async () => {
      const saved = await withAdmin((client) => client.putConfig({ k6DesiredAgentCount: value }))
      setDraft(null)
      return `Desired count set to ${formatCount(saved.k6DesiredAgentCount)}.`
    })
  }

  function reconcile (): void {
    void run('reconcile', async () => {
      const status = await withAdmin((client) => client.reconcileFleet())
      return status.lastError === null
        ? `Reconciled: ${status.running ?? '?'} of ${status.desired} running.`
        : `Reconcile finished with an error: ${status.lastError}`
    })
  }

  return (
    <form className="scale" onSubmit={apply} noValidate>
      <div className="scale-row">
        <label htmlFor={`${id}-range`} className="scale-label">Desired agents</label>
        <input id={`${id}-range`} type="range" className="slider" min={0} max={STOPS.length - 1} step={1}
          value={stopIndexOf(STOPS, value)} aria-valuetext={`${formatCount(value)} agents`}
          aria-describedby={`${id}-help`}
          onChange={(event) => { choose(STOPS[Number(event.target.value)] ?? 0) }} />
        <input type="number" className="scale-number" min={0} max={DESIRED_AGENT_COUNT_MAX} value={value}
          aria-label="Desired agents (number)" inputMode="numeric"
          onChange={(event) => { choose(Number(event.target.value)) }} />
      </div>
      <p id={`${id}-help`} className="muted small">
        Currently {formatCount(fleet.desired)} desired. The slider steps by one up to 10, coarser above; type any
        count in the box. {fleet.note ?? ''}
      </p>
      <div className="presets" role="group" aria-label="Presets">
        {PRESETS.map((preset) => (
          <button key={preset} type="button" className="chip" aria-pressed={value === preset}
            onClick={() => { choose(preset) }}>{formatCount(preset)}</button>
        ))}
      </div>
      <div className="actions">
        <button type="submit" className="button primary" disabled={!dirty || busy !== null}>
          {busy === 'apply' ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" className="button" disabled={busy !== null} onClick={reconcile}>
          {busy === 'reconcile' ? 'Reconciling…' : 'Reconcile now'}
        </button>
        {dirty && busy === null && (
          <button type="button" className="button ghost" onClick={() => { setDraft(null) }}>Reset</button>
        )}
        <span className={feedback?.tone === 'error' ? 'form-error' : 'form-ok'} role="status">{feedback?.text}</span>
      </div>
    </form>
  )
}
