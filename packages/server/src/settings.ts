import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import type { FleetScalerKind } from './fleet/index.js'
import { DEFAULT_LEASE_MS } from './leadership/leadership.js'
import type { ReaperOptions } from './reaper/reaper.js'
import type { AlertingOptions } from './alerts/alerting.js'
import type { DatabaseLocation } from './db/database.js'
import { SettingsInvalid } from './errors.js'
import { createEgressPolicy, type EgressPolicy } from '@loadfleet/core/egress'
import type { LogDestination } from './log-format.js'
import { TrustRules, issuerProblem, type TrustRule } from './http/workload-identity.js'
import { CALLBACK_PATH, parseRoleMap, type OidcSettings } from './http/oidc.js'
import { ROLES, type Role } from '@loadfleet/api'

/** Options of `startServer`; each overrides the environment setting of the same meaning. */
export interface ServerOptions {
  /** Default: process.env plus a `.env` file in the working directory (process.env wins). */
  env?: Record<string, string | undefined>
  port?: number
  host?: string
  dataDir?: string
  databaseUrl?: string
  /** `user:password`. */
  adminBasicAuth?: string
  /** The agents' enrolment secret: it registers agents, each of which is then issued a credential of its own. */
  dashboardSecret?: string
  reaper?: ReaperOptions
  /** How long the leader lease of PostgreSQL replicas lasts without renewal (LEADER_LEASE_MS). */
  leaderLeaseMs?: number
  /** Alert evaluation and delivery timing; `externalUrl` is the dashboard URL that notifications link to. */
  alerting?: AlertingOptions
  fleetScaler?: FleetScalerKind
  /** pino level; tests pass 'silent'. */
  logLevel?: string
  /** `pretty` (one readable line per event) or `json`; default LOG_FORMAT, else pretty only on a terminal. */
  logFormat?: LogFormat
  /** Where log lines go; default stdout. */
  logDestination?: LogDestination
}

export type LogFormat = 'pretty' | 'json'

export interface Settings {
  env: Record<string, string | undefined>
  port: number
  host: string
  dataDir: string
  database: DatabaseLocation
  adminBasicAuth: string | undefined
  dashboardSecret: string | undefined
  dashboardRequireAuth: boolean
  fleetScaler: FleetScalerKind
  reaper: ReaperOptions
  /** LEADER_LEASE_MS: a SIGKILLed leader is replaced within about 4/3 of it (PostgreSQL replicas). */
  leaderLeaseMs: number
  alerting: AlertingOptions
  logLevel: string
  /** TARGET_ALLOW / TARGET_DENY, plus the built-in denials (link-local, cloud metadata). */
  egress: EgressPolicy
  logFormat: LogFormat
  /** LOADFLEET_TRUST_RULES or LOADFLEET_TRUST_RULES_FILE: which CI providers' tokens are let in, with which role. */
  trustRules: TrustRule[]
  /** OIDC single sign-on for the dashboard; undefined unless OIDC_ISSUER is set. */
  oidc: OidcSettings | undefined
}

const SCALERS: readonly FleetScalerKind[] = ['process', 'compose', 'kubernetes', 'none']
// Shorter bearer tokens are guessable; generated ones are 43 characters.
const SECRET_MIN_CHARS = 8
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json']
// An admin password guessable in a few thousand tries is no password: generated ones are 43 characters.
const ADMIN_PASSWORD_MIN_CHARS = 12
/** Passwords that ship in examples and manifests, compared without case and punctuation ("CHANGE-ME" → "changeme"). */
const PLACEHOLDER_PASSWORDS = new Set(['changeme', 'changemenow', 'admin', 'administrator', 'password', 'passw0rd',
  'secret', 'loadfleet', 'example', 'placeholder', 'replaceme', 'default', 'test', 'letmein', 'qwerty', '123456',
  '12345678', '123456789', '1234567890', 'password123', 'adminadmin', 'root', 'toor', 'xxx', 'yourpassword'])

/** process.env over the `.env` file of the working directory, which is optional. */
export function defaultEnv (): Record<string, string | undefined> {
  const file = resolve('.env')
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function parsePort (text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new SettingsInvalid({ setting: 'PORT', problem: `expected a port number 0-65535, got "${text}"` })
  }
  return port
}

function parseBool (name: string, text: string | undefined): boolean {
  if (text === undefined) return false
  const value = text.trim().toLowerCase()
  if (['true', '1', 'yes'].includes(value)) return true
  if (['false', '0', 'no', ''].includes(value)) return false
  throw new SettingsInvalid({ setting: name, problem: `expected true or false, got "${text}"` })
}

/** Why an admin password must be refused, or undefined when it will do. */
function weakPasswordProblem (password: string): string | undefined {
  const bare = password.toLowerCase().replace(/[^a-z0-9]/g, '')
  const fix = 'set a real password, or unset ADMIN_BASIC_AUTH to have one generated'
  if (PLACEHOLDER_PASSWORDS.has(bare)) return `the password "${password}" is a placeholder anyone can guess; ${fix}`
  if (password.length < ADMIN_PASSWORD_MIN_CHARS) {
    return `the password has ${password.length} characters, fewer than ${ADMIN_PASSWORD_MIN_CHARS}; ${fix}`
  }
  return undefined
}

function checkSecrets (admin: string | undefined, secret: string | undefined): void {
  if (admin !== undefined) {
    const colon = admin.indexOf(':')
    if (colon <= 0 || colon === admin.length - 1) {
      throw new SettingsInvalid({ setting: 'ADMIN_BASIC_AUTH', problem: 'expected "user:password" with both parts non-empty' })
    }
    const problem = weakPasswordProblem(admin.slice(colon + 1))
    if (problem !== undefined) throw new SettingsInvalid({ setting: 'ADMIN_BASIC_AUTH', problem })
  }
  if (secret !== undefined && secret.length < SECRET_MIN_CHARS) {
    throw new SettingsInvalid({ setting: 'DASHBOARD_SECRET', problem: `expected at least ${SECRET_MIN_CHARS} characters` })
  }
}

function databaseOf (url: string | undefined, dataDir: string): DatabaseLocation {
  if (url === undefined) return { kind: 'sqlite', file: join(dataDir, 'loadfleet.db') }
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url }
  throw new SettingsInvalid({
    setting: 'DATABASE_URL',
    problem: 'expected a postgres:// URL (unset it to use SQLite in DATA_DIR)',
  })
}

function parseMs (name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < min) {
    throw new SettingsInvalid({ setting: name, problem: `expected a whole number of milliseconds ≥ ${min}, got "${text}"` })
  }
  return value
}

/** REAPER_INTERVAL_MS: the period of the reaper's passes (default 10 s). */
function reaperOf (env: Record<string, string | undefined>): ReaperOptions {
  const intervalMs = parseMs('REAPER_INTERVAL_MS', nonEmpty(env.REAPER_INTERVAL_MS), 100)
  return intervalMs === undefined ? {} : { intervalMs }
}

function alertingOf (env: Record<string, string | undefined>, given: AlertingOptions | undefined): AlertingOptions {
  const externalUrl = nonEmpty(env.EXTERNAL_URL)
  if (externalUrl !== undefined && !/^https?:\/\/[^/]/i.test(externalUrl)) {
    throw new SettingsInvalid({ setting: 'EXTERNAL_URL', problem: 'expected the dashboard\'s http:// or https:// URL' })
  }
  const fromEnv: AlertingOptions = {
    intervalMs: parseMs('ALERT_EVAL_INTERVAL_MS', nonEmpty(env.ALERT_EVAL_INTERVAL_MS), 100),
    retryBaseMs: parseMs('ALERT_RETRY_BASE_MS', nonEmpty(env.ALERT_RETRY_BASE_MS), 10),
    retryMaxMs: parseMs('ALERT_RETRY_MAX_MS', nonEmpty(env.ALERT_RETRY_MAX_MS), 10),
    externalUrl,
  }
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  return { ...defined(fromEnv), ...defined(given ?? {}) }
}

/** Trust rules for CI tokens: JSON in LOADFLEET_TRUST_RULES, or a JSON file named by LOADFLEET_TRUST_RULES_FILE. */
function trustRulesOf (env: Record<string, string | undefined>): TrustRule[] {
  const inline = nonEmpty(env.LOADFLEET_TRUST_RULES)
  const file = nonEmpty(env.LOADFLEET_TRUST_RULES_FILE)
  if (inline !== undefined && file !== undefined) {
    throw new SettingsInvalid({ setting: 'LOADFLEET_TRUST_RULES', problem: 'set it or LOADFLEET_TRUST_RULES_FILE, not both' })
  }
  const setting = file === undefined ? 'LOADFLEET_TRUST_RULES' : 'LOADFLEET_TRUST_RULES_FILE'
  let text = inline
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new SettingsInvalid({ setting, problem: `cannot read ${file}: ${(err as Error).message}` })
    }
  }
  if (text === undefined) return []
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new SettingsInvalid({ setting, problem: 'expected a JSON array of {issuer, audience, subject, role} rules' })
  }
  const parsed = TrustRules.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const at = (issue?.path ?? []).map((k) => typeof k === 'number' ? `[${k}]` : `.${String(k)}`).join('')
    throw new SettingsInvalid({ setting, problem: `${at === '' ? '' : `${at}: `}${issue?.message ?? 'invalid'}` })
  }
  for (const [i, rule] of parsed.data.entries()) {
    const problem = issuerProblem(rule.issuer)
    if (problem !== undefined) throw new SettingsInvalid({ setting, problem: `[${i}].issuer: ${problem}` })
  }
  return parsed.data
}

function isLoopbackUrl (url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
}

/** OIDC_* settings; all-or-nothing: an issuer without a client id (or the reverse) is refused. */
function oidcOf (env: Record<string, string | undefined>): OidcSettings | undefined {
  const issuer = nonEmpty(env.OIDC_ISSUER)
  const clientId = nonEmpty(env.OIDC_CLIENT_ID)
  if (issuer === undefined) {
    if (clientId !== undefined) throw new SettingsInvalid({ setting: 'OIDC_ISSUER', problem: 'OIDC_CLIENT_ID is set without it' })
    return undefined
  }
  if (!/^https?:\/\/[^/]/i.test(issuer)) {
    throw new SettingsInvalid({ setting: 'OIDC_ISSUER', problem: 'expected the provider\'s https:// issuer URL' })
  }
  const problem = issuerProblem(issuer)
  if (problem !== undefined) throw new SettingsInvalid({ setting: 'OIDC_ISSUER', problem })
  if (clientId === undefined) throw new SettingsInvalid({ setting: 'OIDC_CLIENT_ID', problem: 'required with OIDC_ISSUER' })
  const redirectUrl = nonEmpty(env.OIDC_REDIRECT_URL) ??
    (nonEmpty(env.EXTERNAL_URL) === undefined ? undefined : `${env.EXTERNAL_URL?.replace(/\/+$/, '')}${CALLBACK_PATH}`)
  if (redirectUrl !== undefined) {
    let url: URL
    try {
      url = new URL(redirectUrl)
    } catch {
      throw new SettingsInvalid({ setting: 'OIDC_REDIRECT_URL', problem: `expected a URL, got "${redirectUrl}"` })
    }
    // Session cookies are Secure over https; plain http is allowed only where nothing crosses a network.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
      throw new SettingsInvalid({ setting: 'OIDC_REDIRECT_URL', problem: `${redirectUrl} must be https:// (http only on loopback)` })
    }
  }
  const { map, problem: mapProblem } = parseRoleMap(env.OIDC_ROLE_MAP ?? '')
  if (map === undefined) throw new SettingsInvalid({ setting: 'OIDC_ROLE_MAP', problem: mapProblem ?? 'invalid' })
  const defaultRole = nonEmpty(env.OIDC_DEFAULT_ROLE) ?? 'none'
  if (defaultRole !== 'none' && !(ROLES as readonly string[]).includes(defaultRole)) {
    throw new SettingsInvalid({ setting: 'OIDC_DEFAULT_ROLE', problem: `expected none, ${ROLES.join(', ')}` })
  }
  return {
    issuer, clientId, clientSecret: nonEmpty(env.OIDC_CLIENT_SECRET), redirectUrl, roleMap: map,
    defaultRole: defaultRole as Role | 'none', groupsClaim: nonEmpty(env.OIDC_GROUPS_CLAIM) ?? 'groups',
    scopes: nonEmpty(env.OIDC_SCOPES) ?? 'openid email profile',
  }
}

/** Resolves every setting from options and environment; throws SettingsInvalid naming the bad one. */
export function resolveSettings (options: ServerOptions = {}): Settings {
  const env = options.env ?? defaultEnv()
  const dataDir = resolve(options.dataDir ?? nonEmpty(env.DATA_DIR) ?? './data')
  const scaler = options.fleetScaler ?? nonEmpty(env.FLEET_SCALER) ?? 'none'
  if (!SCALERS.includes(scaler as FleetScalerKind)) {
    throw new SettingsInvalid({ setting: 'FLEET_SCALER', problem: `expected one of ${SCALERS.join(', ')}, got "${scaler}"` })
  }
  const logLevel = options.logLevel ?? nonEmpty(env.LOG_LEVEL) ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new SettingsInvalid({ setting: 'LOG_LEVEL', problem: `expected one of ${LOG_LEVELS.join(', ')}` })
  }
  const logFormat = options.logFormat ?? nonEmpty(env.LOG_FORMAT) ?? (process.stdout.isTTY ? 'pretty' : 'json')
  if (!LOG_FORMATS.includes(logFormat as LogFormat)) {
    throw new SettingsInvalid({ setting: 'LOG_FORMAT', problem: `expected one of ${LOG_FORMATS.join(', ')}, got "${logFormat}"` })
  }
  const adminBasicAuth = options.adminBasicAuth ?? nonEmpty(env.ADMIN_BASIC_AUTH)
  const dashboardSecret = options.dashboardSecret ?? nonEmpty(env.DASHBOARD_SECRET)
  checkSecrets(adminBasicAuth, dashboardSecret)
  const host = options.host ?? nonEmpty(env.HOST) ?? '127.0.0.1'
  const oidc = oidcOf(env)
  const egress = createEgressPolicy({ allow: env.TARGET_ALLOW, deny: env.TARGET_DENY })
  const egressError = egress.errors[0]
  if (egressError !== undefined) {
    const colon = egressError.indexOf(':')
    throw new SettingsInvalid({ setting: egressError.slice(0, colon), problem: egressError.slice(colon + 2) })
  }
  return {
    env,
    port: options.port ?? parsePort(nonEmpty(env.PORT) ?? '3000'),
    host,
    dataDir,
    database: databaseOf(options.databaseUrl ?? nonEmpty(env.DATABASE_URL), dataDir),
    adminBasicAuth,
    dashboardSecret,
    // Once sign-in exists, reads need it too, unless DASHBOARD_REQUIRE_AUTH=false keeps the open read-only dashboard.
    dashboardRequireAuth: nonEmpty(env.DASHBOARD_REQUIRE_AUTH) === undefined
      ? oidc !== undefined
      : parseBool('DASHBOARD_REQUIRE_AUTH', env.DASHBOARD_REQUIRE_AUTH),
    fleetScaler: scaler as FleetScalerKind,
    reaper: options.reaper ?? reaperOf(env),
    leaderLeaseMs: options.leaderLeaseMs ?? parseMs('LEADER_LEASE_MS', nonEmpty(env.LEADER_LEASE_MS), 300) ?? DEFAULT_LEASE_MS,
    alerting: alertingOf(env, options.alerting),
    logLevel,
    egress: egress.policy,
    logFormat: logFormat as LogFormat,
    trustRules: trustRulesOf(env),
    oidc,
  }
}
