import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Role } from '@loadfleet/api'
import type { TokenGrant } from '../db/repos/api-tokens-repo.js'
import { AgentForbidden, AuthRateLimited, Unauthorized, WorkloadIdentityRefused } from '../errors.js'
import { credentialDigest, type AgentCredentialStore } from './agent-credentials.js'
import { FailureLimiter, type FailureLimit } from './failure-limiter.js'
import { looksLikeJwt, type WorkloadIdentity, type WorkloadRefusal } from './workload-identity.js'

/**
 * Why an authentication failed, as counted in `loadfleet_auth_failures_total{reason}`.
 * - `missing`: no credentials were sent (a dashboard before sign-in); counted, not rate-limited.
 * - `malformed`: an Authorization header of the wrong scheme or shape.
 * - `wrong_credentials`: well-formed but wrong.
 * - `rate_limited`: refused without checking, because the address or user failed too often.
 * - `forbidden`: an agent's valid credential used on another agent's route; not rate-limited, as nothing is guessed.
 * - `expired`: an API token past its expiry.
 */
export type AuthFailureReason = 'missing' | 'malformed' | 'wrong_credentials' | 'rate_limited' | 'forbidden' | 'expired'

/** Who is calling an admin or dashboard route, and with which role. */
export interface Principal {
  /** The audit trail's actor: the admin's user name, `token:<name>`, or `ci:<subject>@<issuer>` for a CI token. */
  actor: string
  role: Role
}

/** Where API tokens are looked up by their SHA-256 (hex), and their use recorded. */
export interface ApiTokenStore {
  byHash (tokenHash: string): Promise<TokenGrant | undefined>
  touch (id: string, now: number, minIntervalMs: number): Promise<void>
}

/** `lf_` and 32 random bytes in base64url (43 characters). */
const API_TOKEN = /^lf_[A-Za-z0-9_-]{43}$/
// A token's last use is written at most this often: enough to tell a used token from an abandoned one.
const TOKEN_TOUCH_MS = 60_000

export interface AuthLimits {
  /** Failed attempts per client address. */
  perAddress: FailureLimit
  /** Failed attempts per user name (admin) or agent name, from any address. */
  perUser: FailureLimit
}

// 10 wrong guesses a minute per address stops a brute force (2,000 guesses would take over 3 hours) while a
// mistyped password is retried several times; a user may be tried from a few addresses before it is locked too.
export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  perAddress: { maxFailures: 10, windowMs: 60_000 },
  perUser: { maxFailures: 30, windowMs: 60_000 },
}

export interface AuthOptions {
  adminBasicAuth: string
  /** The enrolment secret (DASHBOARD_SECRET): it registers agents, and nothing else. */
  agentToken: string
  limits?: Partial<AuthLimits>
  /** Told of every failure (the metrics counter). */
  onFailure?: (reason: AuthFailureReason) => void
  /** Trust rules for CI providers' OIDC tokens; none configured = a JWT is refused like any unknown bearer. */
  workloadIdentity?: WorkloadIdentity
}

// A user name is echoed into logs: bounded, and only printable characters.
const USER_LOG_MAX_CHARS = 64
// A CI subject (repo, ref, environment) runs longer than a user name.
const CLAIM_LOG_MAX_CHARS = 300
// Compared against when the agent has no stored credential, so an unknown agent takes as long as a known one.
const NO_CREDENTIAL = Buffer.alloc(32)

function digest (text: string): Buffer {
  // Hashing first gives equal-length buffers, so timingSafeEqual never leaks the secret's length.
  return createHash('sha256').update(text, 'utf8').digest()
}

function matches (given: string | undefined, expected: Buffer): boolean {
  return timingSafeEqual(digest(given ?? ''), expected) && given !== undefined
}

/**
 * Checks admin basic auth, the agents' enrolment secret and their own credentials in constant time; every failure
 * looks the same to the client, is logged (never with the secret) and counted, and too many failures from one address
 * or for one user are refused with 429 and Retry-After before any credential is checked.
 */
export class Auth {
  readonly #admin: Buffer
  readonly #agent: Buffer
  readonly #byAddress: FailureLimiter
  readonly #byUser: FailureLimiter
  readonly #onFailure: (reason: AuthFailureReason) => void
  readonly #workload: WorkloadIdentity | undefined

  constructor (options: AuthOptions) {
    this.#workload = options.workloadIdentity
    this.#admin = digest(options.adminBasicAuth)
    this.#agent = digest(options.agentToken)
    this.#byAddress = new FailureLimiter(options.limits?.perAddress ?? DEFAULT_AUTH_LIMITS.perAddress)
    this.#byUser = new FailureLimiter(options.limits?.perUser ?? DEFAULT_AUTH_LIMITS.perUser)
    this.#onFailure = options.onFailure ?? (() => {})
  }

  /** Returns the admin user name (the audit trail's actor) or throws Unauthorized / AuthRateLimited. */
  admin (req: FastifyRequest): string {
    const header = req.headers.authorization
    const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim())
    const decoded = match?.[1] === undefined ? undefined : Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded?.indexOf(':') ?? -1
    const user = decoded === undefined || colon < 0 ? undefined : decoded.slice(0, colon)
    this.#checkLimits(req, 'admin', user === undefined ? undefined : `admin:${user}`)
    if (!matches(decoded, this.#admin) || decoded === undefined) {
      this.#fail(req, { kind: 'admin', user, reason: header === undefined ? 'missing' : (match === null ? 'malformed' : 'wrong_credentials') })
    }
    return user ?? ''
  }

  /**
   * The caller of an admin or dashboard route: `Authorization: Bearer lf_…` is an API token with its role, anything
   * else must be the break-glass admin's basic auth. Throws Unauthorized / AuthRateLimited.
   */
  async principal (req: FastifyRequest, tokens: ApiTokenStore): Promise<Principal> {
    const { header, token } = bearerOf(req)
    if (token !== undefined && looksLikeJwt(token) && this.#workload?.configured === true) {
      return await this.#workloadPrincipal(req, token, this.#workload)
    }
    if (token === undefined || !token.startsWith('lf_')) return { actor: this.admin(req), role: 'admin' }
    this.#checkLimits(req, 'token', undefined)
    if (!API_TOKEN.test(token)) this.#fail(req, { kind: 'token', user: undefined, reason: failureReason(header, undefined) })
    const presented = credentialDigest(token)
    const grant = await tokens.byHash(presented.toString('hex'))
    // Found by its hash through an index, then compared in constant time, as agent credentials are.
    const stored = grant === undefined ? NO_CREDENTIAL : Buffer.from(grant.tokenHash, 'hex')
    const valid = stored.length === presented.length && timingSafeEqual(presented, stored)
    if (!valid || grant === undefined) this.#fail(req, { kind: 'token', user: undefined, reason: 'wrong_credentials' })
    const now = Date.now()
    if (grant.expiresAt !== null && grant.expiresAt <= now) {
      this.#fail(req, { kind: 'token', user: `token:${grant.name}`, reason: 'expired' })
    }
    await tokens.touch(grant.id, now, TOKEN_TOUCH_MS)
    return { actor: `token:${grant.name}`, role: grant.role }
  }

  /** A CI provider's token admitted by a trust rule, or WorkloadIdentityRefused (401) saying which check failed. */
  async #workloadPrincipal (req: FastifyRequest, token: string, workload: WorkloadIdentity): Promise<Principal> {
    this.#checkLimits(req, 'jwt', undefined)
    const result = await workload.verify(token)
    if (result.ok) return { actor: ciActor(result.issuer, result.subject), role: result.role }
    this.#onFailure(metricReasonOf(result.reason))
    // Limited per address like any failure: a signed token cannot be guessed, but each refusal is audited.
    this.#byAddress.fail(`ip:${req.ip}`, Date.now())
    const claimed = {
      issuer: printable(result.issuer, CLAIM_LOG_MAX_CHARS) ?? null,
      subject: printable(result.subject, CLAIM_LOG_MAX_CHARS) ?? null,
    }
    req.log.warn({ auth: 'jwt', reason: result.reason, ip: req.ip, ...claimed, url: req.url.split('?')[0] },
      'CI token refused')
    throw new WorkloadIdentityRefused({ reason: result.reason, ...claimed })
  }

  /** Checks the enrolment secret (DASHBOARD_SECRET) that registering an agent takes. */
  agentEnrolment (req: FastifyRequest): void {
    const { header, token } = bearerOf(req)
    this.#checkLimits(req, 'agent', undefined)
    if (!matches(token, this.#agent)) {
      this.#fail(req, { kind: 'agent', user: undefined, reason: failureReason(header, token) })
    }
  }

  /**
   * Checks an agent route's bearer credential, in constant time, against the hash stored for the agent named in the
   * path (the user the limits count). The credential of another agent is 403: it authenticated, but not as this one.
   */
  async agentCredential (req: FastifyRequest, agentName: string, credentials: AgentCredentialStore): Promise<void> {
    const { header, token } = bearerOf(req)
    this.#checkLimits(req, 'agent', `agent:${agentName}`)
    const presented = credentialDigest(token ?? '')
    const storedHex = await credentials.hashOf(agentName)
    const stored = storedHex === undefined ? NO_CREDENTIAL : Buffer.from(storedHex, 'hex')
    const valid = stored.length === presented.length && timingSafeEqual(presented, stored)
    if (valid && token !== undefined && storedHex !== undefined) return
    const owner = token === undefined ? undefined : await credentials.ownerOf(presented.toString('hex'))
    if (owner !== undefined) {
      this.#onFailure('forbidden')
      req.log.warn({ auth: 'agent', reason: 'forbidden', ip: req.ip, user: printable(agentName), credentialOf: printable(owner),
        url: req.url.split('?')[0] }, 'agent credential used for another agent')
      throw new AgentForbidden({ name: agentName })
    }
    // Not fed to the limits: a 256-bit credential cannot be guessed, and the shared secret is refused here anyway,
    // while a fleet whose credentials were all voided at once (behind one proxy address) must not lock itself out.
    this.#fail(req, { kind: 'agent', user: agentName, reason: failureReason(header, token), limited: false })
  }

  #checkLimits (req: FastifyRequest, kind: 'admin' | 'agent' | 'token' | 'jwt', userKey: string | undefined): void {
    const now = Date.now()
    const waitMs = Math.max(
      this.#byAddress.blockedForMs(`ip:${req.ip}`, now),
      userKey === undefined ? 0 : this.#byUser.blockedForMs(userKey, now),
    )
    if (waitMs <= 0) return
    const retryAfterS = Math.ceil(waitMs / 1000)
    this.#onFailure('rate_limited')
    req.log.warn({ auth: kind, reason: 'rate_limited', ip: req.ip, user: printable(userKey), retryAfterS },
      'authentication refused: too many failures')
    throw new AuthRateLimited({ retryAfterS })
  }

  #fail (req: FastifyRequest, failure: {
    kind: 'admin' | 'agent' | 'token', user: string | undefined, reason: AuthFailureReason, limited?: boolean
  }): never {
    const { kind, user, reason } = failure
    this.#onFailure(reason)
    // No credentials at all is what a signed-out dashboard sends: counted, but neither limited nor logged loudly.
    if (reason === 'missing') {
      req.log.debug({ auth: kind, reason, ip: req.ip }, 'authentication failed')
      throw new Unauthorized({})
    }
    if (failure.limited !== false) {
      const now = Date.now()
      this.#byAddress.fail(`ip:${req.ip}`, now)
      if (user !== undefined) this.#byUser.fail(`${kind}:${user}`, now)
    }
    req.log.warn({ auth: kind, reason, ip: req.ip, user: printable(user), url: req.url.split('?')[0] },
      'authentication failed')
    throw new Unauthorized({})
  }
}

function bearerOf (req: FastifyRequest): { header: string | undefined, token: string | undefined } {
  const header = req.headers.authorization
  return { header, token: header === undefined ? undefined : /^Bearer (\S+)$/i.exec(header.trim())?.[1] }
}

/**
 * A CI identity as the audit trail names it, e.g.
 * `ci:repo:acme/shop:ref:refs/heads/main@token.actions.githubusercontent.com`. The issuer's scheme is left out
 * (https, but for a loopback test issuer), so no read API takes the actor for a URL.
 */
export function ciActor (issuer: string, subject: string): string {
  return `ci:${subject}@${issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '')}`
}

function metricReasonOf (refusal: WorkloadRefusal): AuthFailureReason {
  return refusal === 'expired' ? 'expired' : (refusal === 'malformed' ? 'malformed' : 'wrong_credentials')
}

function failureReason (header: string | undefined, token: string | undefined): AuthFailureReason {
  return header === undefined ? 'missing' : (token === undefined ? 'malformed' : 'wrong_credentials')
}

function printable (text: string | undefined, maxChars = USER_LOG_MAX_CHARS): string | undefined {
  return text?.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, maxChars)
}
