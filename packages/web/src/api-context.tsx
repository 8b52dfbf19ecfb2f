import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react'
import { ApiClient, ApiError, type AuthMe, type Role } from '@loadfleet/api/client'
import { SignInDialog } from './components/sign-in-dialog'

// sessionStorage, not localStorage: admin credentials must not outlive the browser session.
const STORAGE_KEY = 'loadfleet.adminAuth'
// A wrong password re-opens the dialog; bounded so a broken server cannot trap the user in a loop.
const MAX_SIGN_IN_ATTEMPTS = 5

/** Thrown when the user closes the sign-in dialog; callers treat it as "nothing happened". */
export class SignInCancelled extends Error {
  constructor () {
    super('Sign-in cancelled')
    this.name = 'SignInCancelled'
  }
}

interface Prompt { message: string | null, resolve: (auth: string) => void, reject: (err: Error) => void }

/** What a route needs, as the server's access classes name it. */
export type Permission = 'read' | 'edit' | 'admin'
const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'], editor: ['read', 'edit'], admin: ['read', 'edit', 'admin'],
}

/** Why a single sign-on failed, as the server's callback names it in `?signInError=`. */
const SIGN_IN_ERRORS: Record<string, string> = {
  no_role: 'You signed in at the identity provider, but none of your groups has a role in Loadfleet. Ask an admin to ' +
    'add one of your groups to OIDC_ROLE_MAP.',
  provider_error: 'The identity provider refused the sign-in.',
  provider_unreachable: 'The identity provider cannot be reached right now. Try again in a minute.',
  invalid_response: 'The identity provider\'s answer could not be verified. Try again.',
  no_sign_in_in_progress: 'That sign-in link expired. Sign in again.',
}

interface ApiContextValue {
  /** Client for reads; carries the admin credentials or the session's CSRF token. */
  client: ApiClient
  /** Who is signed in (a name, an email or the admin user), or null. */
  user: string | null
  /** The signed-in role: a session's, `admin` for the break-glass credentials; null when nobody is signed in. */
  role: Role | null
  /** Single sign-on is configured on the server. */
  oidc: boolean
  /** Whether to offer an action: a signed-in role must have the permission; anonymous users are asked to sign in. */
  can: (permission: Permission) => boolean
  /** Why the last single sign-on failed, to show once. */
  signInError: string | null
  /** Runs an admin action, asking for credentials first (and again after a 401). */
  withAdmin: <T>(action: (client: ApiClient) => Promise<T>) => Promise<T>
  signIn: () => void
  signOut: () => void
}

const ApiContext = createContext<ApiContextValue | null>(null)

function readStored (): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}

function clientFor (auth: string | null, csrfToken?: string | null): ApiClient {
  // Same origin: the control plane serves the dashboard, so paths are relative and the session cookie goes along.
  if (auth !== null) return new ApiClient({ baseUrl: '', adminAuth: auth })
  return new ApiClient(csrfToken === null || csrfToken === undefined ? { baseUrl: '' } : { baseUrl: '', csrfToken })
}

/** `?signInError=` from the sign-in callback, taken off the address so a reload does not show it again. */
function takeSignInError (): string | null {
  const url = new URL(window.location.href)
  const reason = url.searchParams.get('signInError')
  if (reason === null) return null
  url.searchParams.delete('signInError')
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  return SIGN_IN_ERRORS[reason] ?? 'Single sign-on failed. Try again.'
}

export function ApiProvider ({ children }: { children: ReactNode }): ReactNode {
  const [auth, setAuth] = useState<string | null>(readStored)
  const [prompt, setPrompt] = useState<Prompt | null>(null)
  const [me, setMe] = useState<AuthMe | null>(null)
  const [meNonce, setMeNonce] = useState(0)
  const [signInError] = useState<string | null>(takeSignInError)
  const refreshMe = useCallback(() => { setMeNonce((n) => n + 1) }, [])

  useEffect(() => {
    let stale = false
    clientFor(null).authMe().then(
      (answer) => { if (!stale) setMe(answer) },
      () => { if (!stale) setMe(null) },
    )
    return () => { stale = true }
  }, [meNonce])
  const session = me?.user ?? null

  const store = useCallback((value: string | null) => {
    if (value === null) window.sessionStorage.removeItem(STORAGE_KEY)
    else window.sessionStorage.setItem(STORAGE_KEY, value)
    setAuth(value)
  }, [])

  const ask = useCallback((message: string | null) => new Promise<string>((resolve, reject) => {
    setPrompt({ message, resolve, reject })
  }), [])

  const withAdmin = useCallback(async function withAdmin<T> (action: (client: ApiClient) => Promise<T>): Promise<T> {
    if (readStored() === null && session !== null) {
      try {
        return await action(clientFor(null, me?.csrfToken))
      } catch (err) {
        // The session ended (expired, signed out elsewhere): fall back to the admin credentials.
        if (!(err instanceof ApiError) || err.status !== 401) throw err
        setMe((current) => current === null ? null : { ...current, user: null, csrfToken: null })
      }
    }
    let rejected = false
    for (let attempt = 0; attempt < MAX_SIGN_IN_ATTEMPTS; attempt++) {
      let current = readStored()
      if (current === null) {
        current = await ask(rejected ? 'Those credentials were not accepted. Try again.' : null)
        store(current)
      }
      try {
        return await action(clientFor(current))
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err
        store(null)
        rejected = true
      }
    }
    throw new ApiError(401, 'LF_AUTH_FAILED', 'Sign-in failed too many times')
  }, [ask, store, session, me])

  const value = useMemo<ApiContextValue>(() => {
    const role: Role | null = auth !== null ? 'admin' : (session?.role ?? null)
    return {
      client: clientFor(auth, me?.csrfToken),
      user: auth !== null
        ? auth.slice(0, Math.max(0, auth.indexOf(':')))
        : (session?.name ?? session?.email ?? session?.subject ?? null),
      role,
      oidc: me?.oidc ?? false,
      can: (permission) => role === null || ROLE_PERMISSIONS[role].includes(permission),
      signInError,
      withAdmin,
      signIn: () => {
        ask(null).then((value) => { store(value) }, () => undefined)
      },
      signOut: () => {
        store(null)
        if (session !== null) {
          clientFor(null, me?.csrfToken).logout().then(refreshMe, refreshMe)
        }
      },
    }
  }, [auth, withAdmin, ask, store, session, me, signInError, refreshMe])

  return (
    <ApiContext value={value}>
      {children}
      {prompt !== null && (
        <SignInDialog
          message={prompt.message}
          onSubmit={(user, password) => {
            setPrompt(null)
            prompt.resolve(`${user}:${password}`)
          }}
          onCancel={() => {
            setPrompt(null)
            prompt.reject(new SignInCancelled())
          }}
        />
      )}
    </ApiContext>
  )
}

export function useApi (): ApiContextValue {
  const value = use(ApiContext)
  if (value === null) throw new Error('useApi must be used inside <ApiProvider>')
  return value
}
