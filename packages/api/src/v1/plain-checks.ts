// Limits and checks shared by the zod schemas and by callers that must not load zod (an idle agent counts its
// megabytes; the dashboard's bundle too).

import { headerNameProblem, headerValueProblem, secretValueProblem } from './header-checks.js'

// Limits come from the control-plane spec; the server validates with exactly these values.
export const TARGET_URL_MAX_CHARS = 2048
export const TARGET_LABEL_MAX_CHARS = 200
export const TARGET_VUS_MAX = 10_000
export const TARGET_DURATION_S_MAX = 3600
/** A site's k6 script, in UTF-8 bytes: far above a hand-written script, small enough for every agent poll. */
export const TARGET_SCRIPT_MAX_BYTES = 256 * 1024
export const RUN_INTERVAL_MS_MIN = 1000
export const RUN_INTERVAL_MS_MAX = 86_400_000
export const DESIRED_AGENT_COUNT_MAX = 1000

// The agent's HEARTBEAT_INTERVAL_MS bounds: faster floods the control plane, slower hides a lost agent too long.
export const HEARTBEAT_INTERVAL_MS_MIN = 100
export const HEARTBEAT_INTERVAL_MS_MAX = 600_000
// An agent's degraded reason names a cause and a directory: room for a deep TMP_DIR path, not for a log.
export const AGENT_DEGRADED_REASON_MAX_CHARS = 500

/** A chart bucket's width: a whole number of seconds, minutes, hours or days. */
export const SERIES_BUCKET_PATTERN = /^[1-9][0-9]{0,5}[smhd]$/
// Narrower buckets than this are just the runs themselves; wider than a week draw no trend over the longest range.
export const SERIES_BUCKET_MS_MIN = 10_000
export const SERIES_BUCKET_MS_MAX = 7 * 86_400_000
const BUCKET_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Milliseconds of a bucket width such as "15m", or undefined when it is not one. */
export function seriesBucketMs (value: string): number | undefined {
  if (!SERIES_BUCKET_PATTERN.test(value)) return undefined
  const unit = BUCKET_UNIT_MS[value.slice(-1)]
  return unit === undefined ? undefined : Number(value.slice(0, -1)) * unit
}

/** Every value of a run's status, in the order a dashboard lists them. */
export const RUN_STATUSES = ['running', 'passed', 'failed', 'error', 'aborted'] as const

// Kubernetes pod names and DNS host names are at most 253 characters. The server's router accepts path parameters
// of exactly this length, so every registered name also works in /api/k6/agents/{name}/….
export const AGENT_NAME_MAX_CHARS = 253

/** Agent names follow Kubernetes pod names: 1-253 letters, digits, ".", "_" or "-". */
export const AGENT_NAME_PATTERN = new RegExp(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,${AGENT_NAME_MAX_CHARS - 2}}[A-Za-z0-9])?$`)

/** True for an absolute http:// or https:// URL with a host; file:, ftp:, javascript: and relative URLs are not. */
export function isHttpUrl (value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

// Every agent-sent time must lie within the server's clock minus this (results spooled through an outage are
// delivered late, at most a week) ...
export const AGENT_TIME_PAST_MS = 7 * 24 * 60 * 60_000
// ... and plus this (clock skew between hosts; a run cannot start in the future).
export const AGENT_TIME_FUTURE_MS = 10 * 60_000
/** A run's summary: deeper JSON than this is refused (an engine summary is about 6 levels deep). */
export const SUMMARY_MAX_DEPTH = 32
/** A run's summary, as stored JSON; a single-URL engine summary is a few kB. */
export const SUMMARY_MAX_BYTES = 256 * 1024
/** Any request body: deeper JSON than this is refused before it reaches a recursive function. */
export const BODY_MAX_DEPTH = 64

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Why a text cannot be stored as given (a NUL, or a lone surrogate that no store keeps), or undefined. */
export function textProblem (value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character (U+0000)'
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (not valid Unicode text)'
  return undefined
}

// The scheme, then exactly "//" and an authority: `http:///x` or `http:x` would be silently "repaired" by parsers.
const URL_SHAPE = /^https?:\/\/[^/\\?#]/i

/**
 * Why `value` is not a target URL (http/https, absolute, one unambiguous reading by the WHATWG URL parser), or
 * undefined. Parsers silently drop tabs and newlines, trim spaces and read `\` as `/`; such input is refused.
 */
export function httpUrlProblem (value: string): string | undefined {
  const text = textProblem(value)
  if (text !== undefined) return text
  if (CONTROL_CHARS.test(value)) return 'contains a control character (CR, LF, TAB …)'
  if (value !== value.trim()) return 'has leading or trailing spaces'
  if (value.includes('\\')) return 'contains "\\", which URL parsers read as "/"; write "/"'
  if (!URL_SHAPE.test(value)) return 'expected an absolute http:// or https:// URL with a host'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'not a valid URL'
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return 'expected an absolute http:// or https:// URL with a host'
  }
  if (url.href.length > TARGET_URL_MAX_CHARS) return `longer than ${TARGET_URL_MAX_CHARS} characters once normalised`
  return undefined
}

/** The WHATWG serialisation of a URL `httpUrlProblem` accepts (host lower-cased, path "/" added …). */
export function normaliseHttpUrl (value: string): string {
  try {
    return new URL(value).href
  } catch {
    return value
  }
}

/** Replaces every secret-looking part of a URL, so it can be shown or logged. */
export const MASK = '***'

/** Whether a query parameter's name says it carries a secret (api_key, access_token, X-Amz-Signature, sig …). */
export function isSecretParamName (name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '')
  if (['sig', 'auth', 'pwd', 'pass', 'code', 'session', 'sid'].includes(n)) return true
  return n.endsWith('key') ||
    ['token', 'secret', 'password', 'passwd', 'signature', 'credential', 'authorization', 'sessionid', 'auth']
      .some((word) => n.includes(word))
}

function maskParams (text: string): string {
  return text.split('&').map((part) => {
    const eq = part.indexOf('=')
    const rawName = eq < 0 ? part : part.slice(0, eq)
    let name = rawName
    try {
      name = decodeURIComponent(rawName.replaceAll('+', ' '))
    } catch { /* an undecodable name is judged as written */ }
    return eq >= 0 && isSecretParamName(name) ? `${rawName}=${MASK}` : part
  }).join('&')
}

/**
 * A URL fit for read APIs and logs: user name and password become `***`, and so do the values of query (and
 * fragment) parameters named like secrets. Other parts are kept byte for byte. A text that is no URL is returned
 * unchanged.
 */
export function maskUrl (value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return value
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return value
  if (url.username === '' && url.password === '' && url.search === '' && url.hash === '') return value
  const auth = url.username !== '' || url.password !== '' ? `${MASK}@` : ''
  const search = url.search === '' ? '' : `?${maskParams(url.search.slice(1))}`
  const hash = url.hash === '' ? '' : `#${maskParams(url.hash.slice(1))}`
  return `${url.protocol}//${auth}${url.host}${url.pathname}${search}${hash}`
}

// http(s) URLs inside free text (error messages, summaries): up to whitespace or a quote.
const URL_IN_TEXT = /https?:\/\/[^\s"'<>]+/gi

/** `text` with every http(s) URL in it masked as `maskUrl` does. */
export function maskUrlsIn (text: string): string {
  return text.includes('://') ? text.replace(URL_IN_TEXT, (url) => maskUrl(url)) : text
}

/** Issues of a received header map (absent is fine); a problem never quotes the value, which may be secret. */
function headerIssues (path: string, value: unknown, valueProblem: (v: string) => string | undefined): FieldIssue[] {
  if (value === undefined) return []
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path, message: 'expected an object' }]
  return Object.entries(value).flatMap(([name, v]) => {
    const problem = headerNameProblem(name) ?? (typeof v === 'string' ? valueProblem(v) : 'expected a string')
    return problem === undefined ? [] : [{ path: `${path}.${name}`, message: problem }]
  })
}

/** Why `value` cannot be a site's script (empty, too large, a NUL …), or undefined; its syntax is checked apart. */
export function scriptProblem (value: string): string | undefined {
  if (value.trim() === '') return 'expected a k6 script, not an empty text'
  if (new TextEncoder().encode(value).length > TARGET_SCRIPT_MAX_BYTES) {
    return `larger than ${TARGET_SCRIPT_MAX_BYTES} bytes`
  }
  return textProblem(value)
}

/** An issue with one field of an input: its path and what was expected. */
export interface FieldIssue { path: string, message: string }

function intIn (value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

/**
 * Every way `value` is not a target as the control plane stores it: the same limits the server's schemas
 * enforce, for a receiver (the agent) that must not trust what it is sent.
 */
export function targetIssues (value: unknown): FieldIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: '', message: 'expected an object' }]
  }
  const t = value as Record<string, unknown>
  const issues: FieldIssue[] = []
  const check = (path: string, ok: boolean, message: string): void => {
    if (!ok) issues.push({ path, message })
  }
  check('id', typeof t.id === 'string' && t.id.length >= 1 && t.id.length <= 64 && textProblem(t.id) === undefined,
    'expected an id of 1-64 characters')
  if (typeof t.url !== 'string' || t.url.length > TARGET_URL_MAX_CHARS) {
    issues.push({ path: 'url', message: `expected a URL of at most ${TARGET_URL_MAX_CHARS} characters` })
  } else {
    const problem = httpUrlProblem(t.url)
    if (problem !== undefined) issues.push({ path: 'url', message: problem })
  }
  check('label', typeof t.label === 'string' && t.label.length <= TARGET_LABEL_MAX_CHARS &&
    textProblem(t.label) === undefined, `expected text of at most ${TARGET_LABEL_MAX_CHARS} characters`)
  check('vus', intIn(t.vus, 1, TARGET_VUS_MAX), `expected an integer 1-${TARGET_VUS_MAX}`)
  check('durationS', intIn(t.durationS, 1, TARGET_DURATION_S_MAX), `expected an integer 1-${TARGET_DURATION_S_MAX}`)
  check('runIntervalMs', intIn(t.runIntervalMs, RUN_INTERVAL_MS_MIN, RUN_INTERVAL_MS_MAX),
    `expected an integer ${RUN_INTERVAL_MS_MIN}-${RUN_INTERVAL_MS_MAX}`)
  check('enabled', typeof t.enabled === 'boolean', 'expected true or false')
  check('lastStartedAt', t.lastStartedAt === null || t.lastStartedAt === undefined ||
    (typeof t.lastStartedAt === 'string' && !Number.isNaN(Date.parse(t.lastStartedAt))), 'expected an ISO-8601 time or null')
  const script = t.script === undefined || t.script === null ? undefined
    : typeof t.script === 'string' ? scriptProblem(t.script) : 'expected a string or null'
  if (script !== undefined) issues.push({ path: 'script', message: script })
  issues.push(...headerIssues('headers', t.headers, headerValueProblem), ...headerIssues('secretHeaders', t.secretHeaders, secretValueProblem))
  return issues
}
