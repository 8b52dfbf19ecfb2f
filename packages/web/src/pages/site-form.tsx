import { useId, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react'
import type { Target, TargetCreate } from '@loadfleet/api/client'
import { SignInCancelled } from '../api-context'
import { fieldErrorsOf } from '../form-errors'
import { errorMessage } from '../components/states'
import { formatInterval } from '../format'

interface Values { url: string, label: string, vus: string, durationS: string, runIntervalMs: string, enabled: boolean }

/** How the form names each field, so an API error reads "VUs must be at least 1". */
const LABELS: Record<string, string> = {
  url: 'URL', label: 'Label', vus: 'VUs', durationS: 'Duration (s)', runIntervalMs: 'Run interval (ms)', enabled: 'Enabled',
}

// The defaults of the operations guide (and of the API schema).
const DEFAULTS: Values = { url: '', label: '', vus: '1', durationS: '30', runIntervalMs: '60000', enabled: true }

function valuesOf (target: Target | undefined): Values {
  if (target === undefined) return DEFAULTS
  return {
    url: target.url,
    label: target.label,
    vus: String(target.vus),
    durationS: String(target.durationS),
    runIntervalMs: String(target.runIntervalMs),
    enabled: target.enabled,
  }
}

/** Numbers go to the API as typed; an empty or non-numeric box is sent as null so the API names the field. */
function toInt (text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text)
}

function bodyOf (values: Values): TargetCreate {
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

  function set<K extends keyof Values> (key: K, value: Values[K]): void {
    setValues((prev) => ({ ...prev, [key]: value }))
    setErrors(({ [key]: _dropped, ...rest }) => rest)
  }

  async function submit (event: FormEvent): Promise<void> {
    event.preventDefault()
    setSaving(true)
    setFormError(null)
    try {
      await onSave(bodyOf(values))
    } catch (err) {
      if (err instanceof SignInCancelled) return
      const fields = fieldErrorsOf(err, LABELS)
      setErrors(fields)
      setFormError(Object.keys(fields).length > 0 ? 'Please correct the highlighted fields.' : errorMessage(err))
    } finally {
      setSaving(false)
    }
  }

  const field = (name: keyof Values, label: string, input: InputHTMLAttributes<HTMLInputElement>, hint?: string) => {
    const error = errors[name]
    const describedBy = [hint !== undefined ? `${id}-${name}-hint` : '', error !== undefined ? `${id}-${name}-error` : '']
      .filter(Boolean).join(' ')
    return (
      <div className={`field field-${name}`}>
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <input id={`${id}-${name}`} name={name} value={String(values[name])} aria-invalid={error !== undefined}
          aria-describedby={describedBy === '' ? undefined : describedBy}
          onChange={(event) => { set(name, event.target.value) }} {...input} />
        {hint !== undefined && <span id={`${id}-${name}-hint`} className="field-hint">{hint}</span>}
        {error !== undefined && <span id={`${id}-${name}-error`} className="field-error">{error}</span>}
      </div>
    )
  }

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
