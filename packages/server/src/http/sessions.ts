import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from './auth.js'
import type { RouteDeps } from './deps.js'
import { CsrfTokenInvalid, SessionExpired } from '../errors.js'

/** The session cookie: 32 random bytes, base64url; the server keeps only its SHA-256. */
export const SESSION_COOKIE = 'lf_session'
/** The sealed PKCE verifier, state and nonce of a sign-in under way, scoped to the /api/auth routes. */
export const SIGN_IN_COOKIE = 'lf_signin'
/** The header a change made with a session cookie must carry (the value GET /api/auth/me answers). */
export const CSRF_HEADER = 'x-csrf-token'
// A working day: a session signed in in the morning lasts until the evening, and a stolen cookie not much longer.
export const SESSION_TTL_MS = 12 * 60 * 60_000
// A session's last use is written at most this often.
const SESSION_TOUCH_MS = 60_000
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The cookies of a request by name (the first of a repeated name). */
export function cookiesOf (req: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const name = part.slice(0, eq).trim()
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim())
  }
  return cookies
}

export function sessionHash (sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex')
}

/**
 * The CSRF token of a session: derived from its id, so nothing more is stored, and unguessable without the cookie,
 * which scripts on other sites can neither read nor (being SameSite=Lax) send with a cross-site POST.
 */
export function csrfTokenOf (sessionId: string): string {
  return createHash('sha256').update(`csrf:${sessionId}`, 'utf8').digest('base64url')
}

export interface CookieOptions { maxAgeS: number, secure: boolean, path?: string }

/** One Set-Cookie value: HttpOnly and SameSite=Lax always (Lax lets the provider's redirect back carry it). */
export function cookieHeader (name: string, value: string, options: CookieOptions): string {
  return [`${name}=${value}`, `Path=${options.path ?? '/'}`, `Max-Age=${options.maxAgeS}`, 'HttpOnly', 'SameSite=Lax',
    ...(options.secure ? ['Secure'] : [])].join('; ')
}

export function appendCookie (reply: FastifyReply, header: string): void {
  const existing = reply.getHeader('set-cookie')
  const list = existing === undefined ? [] : [existing].flat().map(String)
  void reply.header('set-cookie', [...list, header])
}

/** The session cookie's id when it is well-formed. */
export function sessionIdOf (req: FastifyRequest): string | undefined {
  const id = cookiesOf(req).get(SESSION_COOKIE)
  return id !== undefined && SESSION_ID.test(id) ? id : undefined
}

/** `user:<email>` (or the subject when the provider gives no email), as the audit trail names a signed-in user. */
export function userActor (user: { email: string | null, subject: string }): string {
  return `user:${user.email ?? user.subject}`
}

/**
 * The signed-in user of a request that carries a session cookie (and no Authorization header); undefined without
 * one. An unknown or expired session is LF_SESSION_EXPIRED (401); a change (any method but GET, HEAD, OPTIONS)
 * without the session's CSRF token in X-CSRF-Token is LF_CSRF_TOKEN_INVALID (403).
 */
export async function sessionPrincipal (deps: RouteDeps, req: FastifyRequest): Promise<Principal | undefined> {
  if (!cookiesOf(req).has(SESSION_COOKIE)) return undefined
  const id = sessionIdOf(req)
  const now = Date.now()
  const session = id === undefined ? undefined : await deps.store.repos.users.sessionByHash(sessionHash(id))
  if (id === undefined || session === undefined || session.expiresAt <= now) throw new SessionExpired({})
  if (!SAFE_METHODS.has(req.method)) {
    const given = req.headers[CSRF_HEADER]
    const expected = Buffer.from(csrfTokenOf(id))
    const presented = Buffer.from(typeof given === 'string' ? given : '')
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      req.log.warn({ auth: 'session', reason: 'csrf', ip: req.ip, url: req.url.split('?')[0] }, 'CSRF token missing or wrong')
      throw new CsrfTokenInvalid({ header: 'X-CSRF-Token' })
    }
  }
  await deps.store.repos.users.touchSession(sessionHash(id), now, SESSION_TOUCH_MS)
  return { actor: userActor(session), role: session.role }
}
