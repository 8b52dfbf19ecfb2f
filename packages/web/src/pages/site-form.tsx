import { useId, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react'
import { DEFAULT_EXPECTED_STATUSES, type Target, type TargetCreate } from '@loadfleet/api/client'
import { SignInCancelled } from '../api-context'
import { fieldErrorsOf, type NestedIssueWords } from '../form-errors'
import { errorMessage } from '../components/states'
import { formatInterval } from '../format'
import { scriptDiagnosticsOf, type ScriptDiagnostic } from '../script-diagnostics'
import { parseStatusesText, parseThresholdsText, statusesText, thresholdsText } from '../judging-text'

interface Values {
  url: string, label: string, vus: string, durationS: string, runIntervalMs: string, enabled: boolean
  thresholds: string, expectedStatuses: string, script: string
}

/** How the form names each field, so an API error reads "VUs must be at least 1". */
const LABELS: Record<string, string> = {
  url: 'URL', label: 'Label', vus: 'VUs', durationS: 'Duration (s)', runIntervalMs: 'Run interval (ms)', enabled: 'Enabled',
  thresholds: 'Thresholds', expectedStatuses: 'Expected statuses', script: 'k6 script',
}

// The defaults of the operations guide (and of the API schema): no thresholds of its own, statuses 200-399.
const DEFAULTS: Values = {
  url: '', label: '', vus: '1', durationS: '30', runIntervalMs: '60000', enabled: true,
  thresholds: '', expectedStatuses: statusesText(DEFAULT_EXPECTED_STATUSES), script: '',
}

function valuesOf (target: Target | undefined): Values {
  if (target === undefined) return DEFAULTS
  return {
    url: target.url,
    label: target.label,
    vus: String(target.vus),
    durationS: String(target.durationS),
    runIntervalMs: String(target.runIntervalMs),
    enabled: target.enabled,
    thresholds: thresholdsText(target.thresholds),
    expectedStatuses: statusesText(target.expectedStatuses),
    script: target.script ?? '',
  }
}

const SCRIPT_PLACEHOLDER = "import http from 'k6/http'\nimport { check } from 'k6'\n\nexport default function () {\n" +
  "  check(http.get('https://example.com/'), { 'status is 200': (r) => r.status === 200 })\n}"

/** Numbers go to the API as typed; an empty or non-numeric box is sent as null so the API names the field. */
function toInt (text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text)
}

function bodyOf (values: Values, thresholds: Record<string, string[]>): TargetCreate {
  const number = (text: string): number => {
    const value = toInt(text)
    return Number.isFinite(value) ? value : null as unknown as number
  }
  return {
    url: values.url.trim(),
    label: values.label,
    vus: number(values.vus),
    durationS: number(values.durationS),
    runIntervalMs: number(values.runIntervalMs),
    enabled: values.enabled,
    thresholds,
    expectedStatuses: parseStatusesText(values.expectedStatuses),
    // An empty editor makes the site a plain URL site again.
    script: values.script.trim() === '' ? null : values.script,
  }
}

/** The server names a threshold by metric and index; the form names the line the user wrote it on. */
function thresholdWords (lineOf: Record<string, number>): NestedIssueWords {
  return (rest, message) => {
    const item = /^(.*)\.(\d+)$/.exec(rest)
    const metric = item?.[1] ?? rest
    const line = lineOf[metric]
    return `${LABELS.thresholds}, ${line === undefined ? metric : `line ${line}`}: ${message}`
  }
}

interface SiteFormProps {
  /** Absent when adding a site. */
  target?: Target
  onSave: (body: TargetCreate) => Promise<void>
  onCancel: () => void
}

export function SiteForm ({ target, onSave, onCancel }: SiteFormProps): ReactNode {
  const id = useId()
  const [values, setValues] = useState<Values>(() => valuesOf(target))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [formError, setFormError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [diagnostics, setDiagnostics] = useState<ScriptDiagnostic[]>([])

  function set<K extends keyof Values> (key: K, value: Values[K]): void {
    setValues((prev) => ({ ...prev, [key]: value }))
    if (key === 'script') setDiagnostics([])
    setErrors(({ [key]: _dropped, ...rest }) => rest)
  }

  async function submit (event: FormEvent): Promise<void> {
    event.preventDefault()
    setFormError(null)
    setDiagnostics([])
    const thresholds = parseThresholdsText(values.thresholds)
    if (thresholds.error !== undefined) {
      setErrors({ thresholds: `${LABELS.thresholds}, ${thresholds.error}` })
      setFormError('Please correct the highlighted fields.')
      return
    }
    setSaving(true)
    try {
      await onSave(bodyOf(values, thresholds.value))
    } catch (err) {
      if (err instanceof SignInCancelled) return
      const fields = fieldErrorsOf(err, LABELS, {
        thresholds: thresholdWords(thresholds.lineOf),
        expectedStatuses: (_rest, message) => `${LABELS.expectedStatuses}: ${message}`,
      })
      const problems = scriptDiagnosticsOf(err, values.script)
      // The script's problems are listed at their lines below the editor, not as one message under it.
      if (problems.length > 0) fields.script = `${LABELS.script}: ${problems.length === 1 ? 'one problem' : `${problems.length} problems`} to fix`
      setErrors(fields)
      setDiagnostics(problems)
      setFormError(Object.keys(fields).length > 0 ? 'Please correct the highlighted fields.' : errorMessage(err))
    } finally {
      setSaving(false)
    }
  }

  const describedBy = (name: keyof Values, hint: string | undefined): string | undefined => {
    const ids = [hint !== undefined ? `${id}-${name}-hint` : '', errors[name] !== undefined ? `${id}-${name}-error` : '']
      .filter(Boolean).join(' ')
    return ids === '' ? undefined : ids
  }
  const notes = (name: keyof Values, hint: string | undefined): ReactNode => (
    <>
      {hint !== undefined && <span id={`${id}-${name}-hint`} className="field-hint">{hint}</span>}
      {errors[name] !== undefined && <span id={`${id}-${name}-error`} className="field-error">{errors[name]}</span>}
    </>
  )
  const field = (name: keyof Values, label: string, input: InputHTMLAttributes<HTMLInputElement>, hint?: string) => (
    <div className={`field field-${name}`}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input id={`${id}-${name}`} name={name} value={String(values[name])} aria-invalid={errors[name] !== undefined}
        aria-describedby={describedBy(name, hint)}
        onChange={(event) => { set(name, event.target.value) }} {...input} />
      {notes(name, hint)}
    </div>
  )
  const thresholdsHint = 'k6 syntax, one metric per line. Metrics not named keep the defaults; ' +
    'a metric with nothing after its colon drops its default.'

  const scriptHint = 'Optional. Agents run this k6 script instead of fetching the URL; its options set VUs and ' +
    'duration. Checked by the server when you save.'

  const interval = toInt(values.runIntervalMs)
  return (
    <form className="site-form" onSubmit={(event) => { void submit(event) }} noValidate
      aria-label={target === undefined ? 'Add site' : 'Edit site'}>
      <div className="form-grid">
        {field('url', 'URL', { type: 'url', placeholder: 'https://example.com/health', autoComplete: 'off', required: true,
          autoFocus: true })}
        {field('label', 'Label', { type: 'text', placeholder: 'Example', autoComplete: 'off' })}
        {field('vus', 'VUs', { type: 'number', inputMode: 'numeric', min: 1 }, 'Virtual users per run')}
        {field('durationS', 'Duration (s)', { type: 'number', inputMode: 'numeric', min: 1 })}
        {field('runIntervalMs', 'Run interval (ms)', { type: 'number', inputMode: 'numeric', min: 1000, step: 1000 },
          Number.isFinite(interval) && interval > 0 ? `every ${formatInterval(interval)}` : 'how often each agent runs it')}
        <div className="field field-enabled">
          <span className="field-label-spacer" aria-hidden="true" />
          <label className="checkbox" htmlFor={`${id}-enabled`}>
            <input id={`${id}-enabled`} name="enabled" type="checkbox" checked={values.enabled}
              onChange={(event) => { set('enabled', event.target.checked) }} />
            Enabled
          </label>
          {errors.enabled !== undefined && <span className="field-error">{errors.enabled}</span>}
        </div>
        <div className="field field-thresholds">
          <label htmlFor={`${id}-thresholds`}>Thresholds</label>
          <textarea id={`${id}-thresholds`} name="thresholds" rows={3} value={values.thresholds} spellCheck={false}
            autoComplete="off" placeholder={'http_req_duration: p(95)<500, p(99)<1500\nhttp_req_failed: rate<0.01'}
            aria-invalid={errors.thresholds !== undefined} aria-describedby={describedBy('thresholds', thresholdsHint)}
            onChange={(event) => { set('thresholds', event.target.value) }} />
          {notes('thresholds', thresholdsHint)}
        </div>
        {field('expectedStatuses', 'Expected statuses', { type: 'text', placeholder: '200-399, 404', autoComplete: 'off',
          spellCheck: false }, 'Codes and ranges counted as success; empty means 200-399')}
        <div className="field field-script">
          <label htmlFor={`${id}-script`}>k6 script</label>
          <textarea id={`${id}-script`} name="script" rows={8} value={values.script} spellCheck={false} wrap="off"
            autoComplete="off" className="script-editor" placeholder={SCRIPT_PLACEHOLDER}
            aria-invalid={errors.script !== undefined} aria-describedby={describedBy('script', scriptHint)}
            onChange={(event) => { set('script', event.target.value) }} />
          {notes('script', scriptHint)}
          {diagnostics.length > 0 && (
            <ol className="script-diagnostics" aria-label="Script problems">
              {diagnostics.map((d, i) => (
                <li key={i}>
                  {d.line !== null && <code className="script-line"><span className="script-line-no">{d.line}</span>{d.source}</code>}
                  <span className="field-error">{d.line === null ? '' : `line ${d.line}: `}{d.message}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
      {formError !== null && <p className="form-error" role="alert">{formError}</p>}
      <div className="actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Saving…' : target === undefined ? 'Add site' : 'Save changes'}
        </button>
        <button type="button" className="button ghost" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  )
}
