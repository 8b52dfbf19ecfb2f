import { createContext, use, useCallback, useMemo, useState, type ReactNode } from 'react'
import { ApiClient, ApiError } from '@loadfleet/api/client'
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

interface ApiContextValue {
  /** Client for reads; carries the admin credentials when the user has given them. */
  client: ApiClient
  user: string | null
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

function clientFor (auth: string | null): ApiClient {
  // Same origin: the control plane serves the dashboard, so paths are relative.
  return new ApiClient(auth === null ? { baseUrl: '' } : { baseUrl: '', adminAuth: auth })
}

export function ApiProvider ({ children }: { children: ReactNode }): ReactNode {
  const [auth, setAuth] = useState<string | null>(readStored)
  const [prompt, setPrompt] = useState<Prompt | null>(null)

  const store = useCallback((value: string | null) => {
    if (value === null) window.sessionStorage.removeItem(STORAGE_KEY)
    else window.sessionStorage.setItem(STORAGE_KEY, value)
    setAuth(value)
  }, [])

  const ask = useCallback((message: string | null) => new Promise<string>((resolve, reject) => {
    setPrompt({ message, resolve, reject })
  }), [])

  const withAdmin = useCallback(async function withAdmin<T> (action: (client: ApiClient) => Promise<T>): Promise<T> {
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
  }, [ask, store])

  const value = useMemo<ApiContextValue>(() => ({
    client: clientFor(auth),
    user: auth === null ? null : auth.slice(0, Math.max(0, auth.indexOf(':'))),
    withAdmin,
    signIn: () => {
      ask(null).then((value) => { store(value) }, () => undefined)
    },
    signOut: () => { store(null) },
  }), [auth, withAdmin, ask, store])

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
