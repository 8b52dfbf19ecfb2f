import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import * as oidc from 'openid-client'
import { AuthMe, type Role } from '@loadfleet/api'
import type { RouteDeps } from '../deps.js'
import { OidcNotConfigured, OidcRedirectInsecure } from '../../errors.js'
import { CALLBACK_PATH, roleOfGroups, type OidcClient } from '../oidc.js'
import {
  SESSION_COOKIE, SESSION_TTL_MS, SIGN_IN_COOKIE, appendCookie, cookieHeader, cookiesOf, csrfTokenOf, sessionHash,
  sessionIdOf, sessionPrincipal, userActor,
} from '../sessions.js'

// A sign-in must be finished at the provider within this time (login, perhaps a second factor, consent).
const SIGN_IN_TTL_MS = 10 * 60_000
const SESSION_ID_BYTES = 32
const LoginQuery = z.strictObject({
  returnTo: z.string().max(500).optional().describe('Dashboard path to come back to, e.g. /sites'),
})

/** A sign-in under way, sealed (AES-256-GCM) into the lf_signin cookie so any replica can finish it. */
interface SignInAttempt {
  state: string, nonce: string, codeVerifier: string, redirectUri: string, returnTo: string, exp: number
}

/** Only a path of this dashboard: never another origin (`//host`, `/\host`), so sign-in cannot redirect away. */
function safeReturnTo (value: string | undefined): string {
  return value !== undefined && /^\/(?![/\\])[^\s\\]*$/.test(value) ? value : '/'
}

function isLoopbackHost (host: string): boolean {
  return /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)
}

/** The callback URL the provider sends the browser to: configured, or this request's own origin. */
function redirectUriOf (client: OidcClient, req: FastifyRequest): string {
  if (client.settings.redirectUrl !== undefined) return client.settings.redirectUrl
  const redirectUrl = `${req.protocol}://${req.host}${CALLBACK_PATH}`
  if (req.protocol !== 'https' && !isLoopbackHost(req.host)) throw new OidcRedirectInsecure({ redirectUrl })
  return redirectUrl
}

/** Why a sign-in failed, as audited and as the dashboard is told (`?signInError=`). */
type SignInFailure = 'no_sign_in_in_progress' | 'provider_error' | 'invalid_response' | 'no_role' | 'provider_unreachable'

/**
 * Single sign-on: OIDC authorization code flow with PKCE; sessions in an HttpOnly, SameSite=Lax cookie (Secure over
 * https) stored server-side by hash; sign-ins and failures audited. All public: they are how a caller gets a session.
 */
export function authRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const tags = ['auth']
    const client = deps.oidc

    app.get('/api/auth/me', {
      schema: { tags, response: { 200: AuthMe } },
    }, async (req) => {
      const base = { oidc: client !== undefined, requireAuth: deps.dashboardRequireAuth }
      const id = sessionIdOf(req)
      const session = id === undefined ? undefined : await deps.store.repos.users.sessionByHash(sessionHash(id))
      if (id === undefined || session === undefined || session.expiresAt <= Date.now()) {
        return { ...base, user: null, csrfToken: null }
      }
      const user = { name: session.name, email: session.email, subject: session.subject, role: session.role }
      return { ...base, user, csrfToken: csrfTokenOf(id), expiresAt: new Date(session.expiresAt).toISOString() }
    })

    app.get('/api/auth/login', {
      schema: { tags, querystring: LoginQuery },
    }, async (req, reply) => {
      if (client === undefined) throw new OidcNotConfigured({})
      const redirectUri = redirectUriOf(client, req)
      const attempt: SignInAttempt = {
        state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(),
        redirectUri, returnTo: safeReturnTo(req.query.returnTo), exp: Date.now() + SIGN_IN_TTL_MS,
      }
      let url: URL
      try {
        url = await client.authorizationUrl(attempt)
      } catch (err) {
        req.log.error({ err, issuer: client.settings.issuer }, 'single sign-on: the provider cannot be reached')
        return await reply.redirect(`${attempt.returnTo}${attempt.returnTo.includes('?') ? '&' : '?'}signInError=provider_unreachable`)
      }
      appendCookie(reply, cookieHeader(SIGN_IN_COOKIE, deps.store.secrets.seal(JSON.stringify(attempt)), {
        maxAgeS: SIGN_IN_TTL_MS / 1000, secure: redirectUri.startsWith('https:'), path: '/api/auth',
      }))
      return await reply.redirect(url.href)
    })

    app.get(CALLBACK_PATH, {
      schema: { tags },
    }, async (req, reply) => {
      if (client === undefined) throw new OidcNotConfigured({})
      const attempt = openAttempt(deps, cookiesOf(req).get(SIGN_IN_COOKIE))
      // The attempt is single-use: cleared whatever the outcome.
      appendCookie(reply, cookieHeader(SIGN_IN_COOKIE, '', { maxAgeS: 0, secure: false, path: '/api/auth' }))
      const fail = async (reason: SignInFailure, detail: Record<string, unknown> = {}): Promise<FastifyReply> => {
        req.log.warn({ auth: 'oidc', reason, ip: req.ip, ...detail }, 'sign-in failed')
        // A callback without a sign-in under way is no sign-in (a stale bookmark, a forged link): logged, not audited,
        // so anonymous requests cannot flood the audit trail.
        if (attempt !== undefined) {
          await deps.store.repos.audit.add({
            at: Date.now(), actor: 'anonymous', action: 'sign_in_failed', entity: 'session', entityId: null,
            change: { reason, ...detail, ip: req.ip },
          })
        }
        const to = attempt?.returnTo ?? '/'
        return await reply.redirect(`${to}${to.includes('?') ? '&' : '?'}signInError=${reason}`)
      }
      if (attempt === undefined) return await fail('no_sign_in_in_progress')
      const query = new URL(req.url, 'http://callback').searchParams
      const providerError = query.get('error')
      if (providerError !== null) return await fail('provider_error', { error: providerError.slice(0, 100) })
      const callbackUrl = new URL(attempt.redirectUri)
      callbackUrl.search = query.toString()
      let claims
      try {
        claims = await client.finish(callbackUrl, attempt)
      } catch (err) {
        const code = (err as { code?: unknown }).code
        return await fail('invalid_response', { error: typeof code === 'string' ? code : (err as Error).message.slice(0, 200) })
      }
      const role = roleOfGroups(claims.groups, client.settings)
      const who = { subject: claims.subject, email: claims.email, groups: claims.groups.slice(0, 50) }
      if (role === 'none') return await fail('no_role', who)
      await startSession(deps, reply, { ...claims, issuer: client.settings.issuer, role, secure: attempt.redirectUri.startsWith('https:'), ip: req.ip })
      return await reply.redirect(attempt.returnTo)
    })

    app.post('/api/auth/logout', {
      schema: { tags, response: { 200: z.object({ endSessionUrl: z.string().nullable() }) } },
    }, async (req, reply) => {
      const id = sessionIdOf(req)
      // The CSRF check: a cross-site form must not sign the user out either.
      const principal = id === undefined ? undefined : await sessionPrincipal(deps, req).catch(() => undefined)
      if (id !== undefined && principal !== undefined && await deps.store.repos.users.deleteSession(sessionHash(id))) {
        await deps.store.repos.audit.add({
          at: Date.now(), actor: principal.actor, action: 'sign_out', entity: 'session', entityId: null, change: { ip: req.ip },
        })
      }
      appendCookie(reply, cookieHeader(SESSION_COOKIE, '', { maxAgeS: 0, secure: false }))
      const origin = `${req.protocol}://${req.host}/`
      return { endSessionUrl: client === undefined ? null : await client.endSessionUrl(origin) ?? null }
    })
  }
}

function openAttempt (deps: RouteDeps, sealed: string | undefined): SignInAttempt | undefined {
  if (sealed === undefined || sealed === '') return undefined
  try {
    const attempt = JSON.parse(deps.store.secrets.open(sealed)) as SignInAttempt
    return attempt.exp > Date.now() ? attempt : undefined
  } catch {
    return undefined
  }
}

/** Records the user and a new session, audits the sign-in, and sets the session cookie. */
async function startSession (deps: RouteDeps, reply: FastifyReply, user: {
  issuer: string, subject: string, email: string | null, name: string | null, groups: string[], role: Role,
  secure: boolean, ip: string
}): Promise<void> {
  const now = Date.now()
  const sessionId = randomBytes(SESSION_ID_BYTES).toString('base64url')
  await deps.store.transaction(async (r) => {
    const userId = await r.users.recordSignIn({ ...user, groups: user.groups.slice(0, 200) }, now)
    await r.users.createSession({ idHash: sessionHash(sessionId), userId, now, expiresAt: now + SESSION_TTL_MS })
    await r.audit.add({
      at: now, actor: userActor(user), action: 'sign_in', entity: 'session', entityId: userId,
      change: { role: user.role, groups: user.groups.slice(0, 50), name: user.name, ip: user.ip },
    })
  })
  appendCookie(reply, cookieHeader(SESSION_COOKIE, sessionId, { maxAgeS: SESSION_TTL_MS / 1000, secure: user.secure }))
}
