import { useState, type ReactNode } from 'react'
import { SignInCancelled, useApi } from '../api-context'
import { fieldErrorsOf } from '../form-errors'
import { errorMessage } from './states'

type AdminAction = Parameters<ReturnType<typeof useApi>['withAdmin']>[0]

/** Runs an admin action (asking to sign in first); keeps its error in words, or per field. */
export function useAdminAction (): {
  run: (action: AdminAction, labels?: Record<string, string>) => Promise<boolean>
  error: string | null
  fields: Record<string, string>
} {
  const { withAdmin } = useApi()
  const [error, setError] = useState<string | null>(null)
  const [fields, setFields] = useState<Record<string, string>>({})
  return {
    error,
    fields,
    run: async (action, labels) => {
      setError(null)
      setFields({})
      try {
        await withAdmin(action)
        return true
      } catch (err) {
        if (err instanceof SignInCancelled) return false
        const byField = fieldErrorsOf(err, labels)
        setFields(byField)
        setError(Object.keys(byField).length > 0 ? 'Please correct the highlighted fields.' : errorMessage(err))
        return false
      }
    },
  }
}

/** A labelled form field with its error below; `group` names the form, for styling and tests. */
export function FormField ({ id, group, name, label, error, children }: {
  id: string, group: string, name: string, label: string, error: string | undefined, children: ReactNode
}): ReactNode {
  return (
    <div className={`field field-${group}-${name}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error !== undefined && <span className="field-error">{error}</span>}
    </div>
  )
}
