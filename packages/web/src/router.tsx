import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react'

/** The dashboard's routes; everything lives under /agents/k6 as in the operations guide. */
export type Route =
  | { page: 'fleet' }
  | { page: 'sites' }
  | { page: 'site', id: string }
  | { page: 'runs' }
  | { page: 'run', id: string }
  | { page: 'alerts' }
  | { page: 'apps' }
  | { page: 'app', name: string }
  | { page: 'admin' }
  | { page: 'not-found' }

export const BASE = '/agents/k6'

const listeners = new Set<() => void>()

function subscribe (listener: () => void): () => void {
  listeners.add(listener)
  window.addEventListener('popstate', listener)
  return () => {
    listeners.delete(listener)
    window.removeEventListener('popstate', listener)
  }
}

function snapshot (): string {
  return window.location.pathname + window.location.search
}

/** Pushes (or replaces) a history entry and re-renders subscribers; no full page load. */
export function navigate (to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return
  if (options.replace === true) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  for (const listener of listeners) listener()
}

/** The current path + query string, kept in sync with the History API. */
export function useLocation (): { pathname: string, search: URLSearchParams } {
  const current = useSyncExternalStore(subscribe, snapshot)
  const url = new URL(current, 'http://local')
  return { pathname: url.pathname, search: url.searchParams }
}

export function matchRoute (pathname: string): Route {
  const path = pathname.replace(/\/+$/, '')
  if (path === '' || path === BASE) return { page: 'fleet' }
  if (path === `${BASE}/sites`) return { page: 'sites' }
  if (path === `${BASE}/runs`) return { page: 'runs' }
  if (path === `${BASE}/alerts`) return { page: 'alerts' }
  if (path === `${BASE}/apps`) return { page: 'apps' }
  const app = /^\/agents\/k6\/apps\/([^/]+)$/.exec(path)
  if (app?.[1] !== undefined) return { page: 'app', name: decodeURIComponent(app[1]) }
  if (path === `${BASE}/admin`) return { page: 'admin' }
  const site = /^\/agents\/k6\/sites\/([^/]+)$/.exec(path)
  if (site?.[1] !== undefined) return { page: 'site', id: decodeURIComponent(site[1]) }
  const run = /^\/agents\/k6\/runs\/([^/]+)$/.exec(path)
  if (run?.[1] !== undefined) return { page: 'run', id: decodeURIComponent(run[1]) }
  return { page: 'not-found' }
}

export const paths = {
  fleet: BASE,
  sites: `${BASE}/sites`,
  site: (id: string) => `${BASE}/sites/${encodeURIComponent(id)}`,
  runs: `${BASE}/runs`,
  run: (id: string) => `${BASE}/runs/${encodeURIComponent(id)}`,
  alerts: `${BASE}/alerts`,
  apps: `${BASE}/apps`,
  app: (name: string) => `${BASE}/apps/${encodeURIComponent(name)}`,
  admin: `${BASE}/admin`,
}

/** Builds `path?query`, dropping empty values so URLs stay short and shareable. */
export function withQuery (path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value)
  const text = params.toString()
  return text === '' ? path : `${path}?${text}`
}

interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string
  children: ReactNode
}

/** A real <a href> (so open-in-new-tab works) that navigates in place on a plain click. */
export function Link ({ to, children, onClick, ...rest }: LinkProps): ReactNode {
  function handleClick (event: MouseEvent<HTMLAnchorElement>): void {
    onClick?.(event)
    if (event.defaultPrevented || event.button !== 0) return
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(to)
  }
  return <a href={to} onClick={handleClick} {...rest}>{children}</a>
}
