import type { ReactNode } from 'react'
import { ApiError } from '@loadfleet/api/client'
import { SignInCancelled, useApi } from '../api-context'
import { Link } from '../router'

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

/** A page for something that does not exist (any more): says so, and offers the ways back. */
export function NotFound ({ title, children, links }: {
  title: string
  children: ReactNode
  links: Array<{ to: string, label: string }>
}): ReactNode {
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{title}</h1>
      <p className="muted">{children}</p>
      <nav className="button-row" aria-label="Ways back">
        {links.map((link, i) => (
          <Link key={link.to} to={link.to} className={i === 0 ? 'button primary' : 'button'}>{link.label}</Link>
        ))}
      </nav>
    </section>
  )
}

/** True when the API answered that the thing asked for does not exist. */
export function isNotFound (error: unknown): boolean {
  return error instanceof ApiError && error.status === 404
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
