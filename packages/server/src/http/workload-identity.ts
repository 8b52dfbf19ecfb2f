import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { z } from 'zod'
import { Role } from '@loadfleet/api'

/**
 * A trust rule: a JWT whose `iss` is `issuer`, whose `aud` includes `audience` and whose `sub` matches the `subject`
 * pattern (`*` any run of characters, `?` one) is let in with `role`. GitHub Actions' subjects look like
 * `repo:acme/shop:ref:refs/heads/main`, GitLab's like `project_path:acme/shop:ref_type:branch:ref:main`.
 */
export const TrustRule = z.strictObject({
  name: z.string().min(1).max(100).optional().describe('What the rule is for; shown in logs'),
  issuer: z.url().describe('The CI provider\'s OIDC issuer, e.g. https://token.actions.githubusercontent.com'),
  audience: z.string().min(1).max(200).describe('The audience the pipeline asks its token for'),
  subject: z.string().min(1).max(400).describe('Pattern of the token\'s subject: * any characters, ? one'),
  role: Role,
})
export type TrustRule = z.infer<typeof TrustRule>
export const TrustRules = z.array(TrustRule).max(100)

/**
 * Why a CI token was refused; `details.reason` of LF_WORKLOAD_IDENTITY_REFUSED.
 * - `malformed`: not a JWT, or one without `iss` / `sub`.
 * - `untrusted_issuer`: no trust rule names its issuer.
 * - `discovery_failed`: the issuer's `.well-known/openid-configuration` or its JWKS could not be read.
 * - `invalid_signature`: no key of the issuer's JWKS verifies it (forged, or signed with another key).
 * - `expired`: past its `exp` (or not yet valid).
 * - `wrong_audience`: its `aud` is none the issuer's rules expect.
 * - `invalid_claims`: another registered claim check failed.
 * - `no_matching_rule`: valid, but no rule matches its audience and subject together.
 */
export type WorkloadRefusal = 'malformed' | 'untrusted_issuer' | 'discovery_failed' | 'invalid_signature' | 'expired' |
  'wrong_audience' | 'invalid_claims' | 'no_matching_rule'

export type WorkloadResult =
  | { ok: true, issuer: string, subject: string, role: Role, rule: TrustRule }
  | { ok: false, reason: WorkloadRefusal, issuer: string | undefined, subject: string | undefined }

// CI tokens live minutes; a few seconds of skew between the CI provider's clock and ours is normal.
const CLOCK_TOLERANCE_S = 10
// Reading an issuer's discovery document or keys must not hold a request for long.
const DISCOVERY_TIMEOUT_MS = 5_000
// Asymmetric algorithms only: a shared-secret (HS*) JWT would need a long-lived secret, which is what this avoids.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** True for a compact JWS (three base64url parts), which is how a CI provider's token looks. */
export function looksLikeJwt (token: string): boolean {
  return JWT_SHAPE.test(token)
}

/** `*` any run of characters, `?` one; everything else literal, and the whole subject must match. */
export function subjectPattern (pattern: string): RegExp {
  const source = [...pattern].map((c) => c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))
  return new RegExp(`^${source.join('')}$`, 's')
}

/** http is allowed only for an issuer on this machine (a test provider); anything else must be https. */
export function issuerProblem (issuer: string): string | undefined {
  const url = new URL(issuer)
  if (url.protocol === 'https:') return undefined
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  return url.protocol === 'http:' && loopback ? undefined : `issuer ${issuer} must be https:// (http only on loopback)`
}

interface Discovered { issuer: string, jwks_uri?: unknown }

/**
 * Verifies CI providers' OIDC tokens against configured trust rules: the signature with the issuer's published keys
 * (found through its discovery document, cached by jose and refetched when a new key id appears), then `iss`, `aud`,
 * `exp`/`nbf`, then the first rule whose audience and subject pattern match.
 */
export class WorkloadIdentity {
  readonly #rules: ReadonlyArray<{ rule: TrustRule, subject: RegExp }>
  readonly #keys = new Map<string, Promise<JWTVerifyGetKey>>()

  constructor (rules: readonly TrustRule[]) {
    this.#rules = rules.map((rule) => ({ rule, subject: subjectPattern(rule.subject) }))
  }

  get configured (): boolean {
    return this.#rules.length > 0
  }

  async verify (token: string): Promise<WorkloadResult> {
    let claimed: { iss?: unknown, sub?: unknown }
    try {
      claimed = decodeJwt(token)
    } catch {
      return { ok: false, reason: 'malformed', issuer: undefined, subject: undefined }
    }
    const issuer = typeof claimed.iss === 'string' ? claimed.iss : undefined
    const subject = typeof claimed.sub === 'string' ? claimed.sub : undefined
    const refuse = (reason: WorkloadRefusal): WorkloadResult => ({ ok: false, reason, issuer, subject })
    if (issuer === undefined || subject === undefined) return refuse('malformed')
    const rules = this.#rules.filter((r) => r.rule.issuer === issuer)
    if (rules.length === 0) return refuse('untrusted_issuer')
    let keys: JWTVerifyGetKey
    try {
      keys = await this.#keysOf(issuer)
    } catch {
      return refuse('discovery_failed')
    }
    let aud: string[]
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer, audience: rules.map((r) => r.rule.audience), algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp', 'sub'],
      })
      aud = [payload.aud ?? []].flat()
    } catch (err) {
      return refuse(refusalOf(err))
    }
    const match = rules.find((r) => aud.includes(r.rule.audience) && r.subject.test(subject))
    return match === undefined ? refuse('no_matching_rule') : { ok: true, issuer, subject, role: match.rule.role, rule: match.rule }
  }

  #keysOf (issuer: string): Promise<JWTVerifyGetKey> {
    let keys = this.#keys.get(issuer)
    if (keys === undefined) {
      keys = discoverKeys(issuer)
      // A failed discovery is retried by the next token rather than remembered.
      keys.catch(() => { this.#keys.delete(issuer) })
      this.#keys.set(issuer, keys)
    }
    return keys
  }
}

async function discoverKeys (issuer: string): Promise<JWTVerifyGetKey> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
  const res = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: 'error' })
  if (!res.ok) throw new Error(`${url} answered ${res.status}`)
  const doc = await res.json() as Discovered
  // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
  if (doc.issuer !== issuer || typeof doc.jwks_uri !== 'string') throw new Error(`${url} is not ${issuer}'s discovery document`)
  return createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS })
}

function refusalOf (err: unknown): WorkloadRefusal {
  if (err instanceof joseErrors.JWTExpired) return 'expired'
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'wrong_audience'
    return err.claim === 'nbf' ? 'expired' : 'invalid_claims'
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC') {
    return 'discovery_failed'
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return 'invalid_signature'
  }
  return err instanceof joseErrors.JOSEError ? 'malformed' : 'discovery_failed'
}
