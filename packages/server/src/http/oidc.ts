import * as oidc from 'openid-client'
import { ROLES, type Role } from '@loadfleet/api'
import { issuerProblem } from './workload-identity.js'

/** Single sign-on settings (OIDC_*); present only when OIDC_ISSUER is set. */
export interface OidcSettings {
  issuer: string
  clientId: string
  clientSecret: string | undefined
  /** OIDC_REDIRECT_URL; else EXTERNAL_URL + /api/auth/callback; else derived from each request's host. */
  redirectUrl: string | undefined
  /** group → role, from OIDC_ROLE_MAP (`team-sre=admin,devs=editor`). */
  roleMap: ReadonlyMap<string, Role>
  /** The role of a user in no mapped group: `none` (refused, the default) or a role. */
  defaultRole: Role | 'none'
  /** The claim holding the user's groups (OIDC_GROUPS_CLAIM, default `groups`). */
  groupsClaim: string
  /** Scopes asked for (OIDC_SCOPES, default `openid email profile groups`'s supported subset). */
  scopes: string
}

/** The path the provider sends the browser back to. */
export const CALLBACK_PATH = '/api/auth/callback'

/** Parses OIDC_ROLE_MAP; answers the problem (for SettingsInvalid) or the map. */
export function parseRoleMap (text: string): { map?: Map<string, Role>, problem?: string } {
  const map = new Map<string, Role>()
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.lastIndexOf('=')
    const group = entry.slice(0, eq).trim()
    const role = entry.slice(eq + 1).trim()
    if (eq <= 0 || group === '') return { problem: `"${entry}": expected group=role` }
    if (!(ROLES as readonly string[]).includes(role)) {
      return { problem: `"${entry}": the role must be one of ${ROLES.join(', ')}` }
    }
    map.set(group, role as Role)
  }
  return { map }
}

/** The highest role any of the user's groups maps to, else the default (`none` = no access). */
export function roleOfGroups (groups: readonly string[], settings: Pick<OidcSettings, 'roleMap' | 'defaultRole'>):
Role | 'none' {
  let best = -1
  for (const group of groups) {
    const role = settings.roleMap.get(group)
    if (role !== undefined) best = Math.max(best, ROLES.indexOf(role))
  }
  return best < 0 ? settings.defaultRole : (ROLES[best] ?? settings.defaultRole)
}

/** A provider's claims as Loadfleet records the user. */
export interface SignInClaims {
  subject: string
  email: string | null
  name: string | null
  groups: string[]
}

// Discovery and token requests must not hold a browser waiting on a dead provider for long.
const PROVIDER_TIMEOUT_MS = 10_000

/**
 * The relying party: discovers the provider once (retried after a failure), builds authorization URLs with PKCE
 * (S256), state and nonce, and redeems the code, checking the ID token (signature, issuer, audience, nonce, expiry)
 * through openid-client.
 */
export class OidcClient {
  readonly settings: OidcSettings
  #config: Promise<oidc.Configuration> | undefined

  constructor (settings: OidcSettings) {
    this.settings = settings
  }

  async authorizationUrl (options: {
    redirectUri: string, state: string, nonce: string, codeVerifier: string
  }): Promise<URL> {
    const config = await this.#configuration()
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: options.redirectUri, scope: this.settings.scopes, state: options.state, nonce: options.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(options.codeVerifier), code_challenge_method: 'S256',
    })
  }

  /** Redeems the code the provider sent back to `callbackUrl`; throws when any check fails. */
  async finish (callbackUrl: URL, checks: {
    state: string, nonce: string, codeVerifier: string
  }): Promise<SignInClaims> {
    const config = await this.#configuration()
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce,
      idTokenExpected: true,
    })
    const claims = tokens.claims()
    if (claims === undefined) throw new Error('the provider answered no ID token')
    let groups: unknown = claims[this.settings.groupsClaim]
    let profile: Record<string, unknown> = claims
    // Several providers put groups only in the userinfo answer, not the ID token.
    if (groups === undefined && config.serverMetadata().userinfo_endpoint !== undefined) {
      profile = { ...claims, ...await oidc.fetchUserInfo(config, tokens.access_token, claims.sub) }
      groups = profile[this.settings.groupsClaim]
    }
    const text = (value: unknown): string | null => typeof value === 'string' ? value : null
    return {
      subject: claims.sub,
      email: text(profile.email),
      name: text(profile.name) ?? text(profile.preferred_username),
      // A provider with one group may send it as a string.
      groups: [groups ?? []].flat().filter((g): g is string => typeof g === 'string'),
    }
  }

  /** Where to send the browser to end the provider's session too, when the provider supports it. */
  async endSessionUrl (postLogoutRedirectUri: string): Promise<string | undefined> {
    const config = await this.#configuration().catch(() => undefined)
    if (config?.serverMetadata().end_session_endpoint === undefined) return undefined
    const parameters = { client_id: this.settings.clientId, post_logout_redirect_uri: postLogoutRedirectUri }
    return oidc.buildEndSessionUrl(config, parameters).href
  }

  #configuration (): Promise<oidc.Configuration> {
    if (this.#config === undefined) {
      const insecure = new URL(this.settings.issuer).protocol === 'http:' && issuerProblem(this.settings.issuer) === undefined
      const timeout: oidc.CustomFetch = (url, options) =>
        fetch(url, { ...options, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) } as RequestInit)
      this.#config = oidc.discovery(
        new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret,
        this.settings.clientSecret === undefined ? oidc.None() : undefined,
        { execute: insecure ? [oidc.allowInsecureRequests] : [], [oidc.customFetch]: timeout },
      )
      // A provider down at the first sign-in is asked again at the next one.
      this.#config.catch(() => { this.#config = undefined })
    }
    return this.#config
  }
}
