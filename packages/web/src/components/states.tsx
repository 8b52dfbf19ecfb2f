import type { ReactNode } from 'react'
import { ApiError } from '@loadfleet/api/client'
import { SignInCancelled, useApi } from '../api-context'

export function Loading ({ label = 'Loading…' }: { label?: string }): ReactNode {
  return <p className="loading" role="status"><span className="spinner" aria-hidden="true" />{label}</p>
}

export function EmptyState ({ title, children }: { title: string, children?: ReactNode }): ReactNode {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children !== undefined && <div className="empty-body">{children}</div>}
    </div>
  )
}

/** The message of an API (or network) failure, in words a user can act on. */
export function errorMessage (error: unknown): string {
  if (error instanceof ApiError) return error.message === '' ? `Request failed (${error.status})` : error.message
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'The control plane did not answer in time.'
  if (error instanceof TypeError) return 'Cannot reach the control plane. Is it running?'
  return error instanceof Error ? error.message : String(error)
}

/** Shows a failed load; a 401 offers to sign in (dashboard reads can be configured to need auth). */
export function ErrorNotice ({ error }: { error: unknown }): ReactNode {
  const { signIn } = useApi()
  if (error === undefined || error === null || error instanceof SignInCancelled) return null
  const unauthorized = error instanceof ApiError && error.status === 401
  return (
    <div className="notice notice-error" role="alert">
      <span>{unauthorized ? 'This dashboard requires the admin credentials.' : errorMessage(error)}</span>
      {unauthorized && <button type="button" className="button small" onClick={signIn}>Sign in</button>}
    </div>
  )
}
