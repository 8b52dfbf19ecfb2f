import { defineError } from '@loadfleet/core'

/** One offending field; `line` locates a problem inside a text field (a site's script). */
export interface FieldIssue { path: string, message: string, line?: number }

/** A request that does not match its schema; `issues` names every offending field. */
export const RequestInvalid = defineError('LF_REQUEST_INVALID', 400,
  (d: { issues: FieldIssue[] }) => `Invalid request: ${d.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
export const BodyTooLarge = defineError('LF_BODY_TOO_LARGE', 413,
  (d: { limitBytes: number }) => `Request body is larger than ${d.limitBytes} bytes`)
export const UnsupportedMediaType = defineError('LF_UNSUPPORTED_MEDIA_TYPE', 415,
  (_d: { contentType: string }) => 'Send the request body as application/json in UTF-8')
export const RequestTimeout = defineError('LF_REQUEST_TIMEOUT', 408,
  (_d: Record<string, never>) => 'The request was not received completely in time; send it again')
export const PathParamTooLong = defineError('LF_PATH_PARAM_TOO_LONG', 414,
  (d: { maxChars: number }) => `A path parameter is longer than ${d.maxChars} characters; agent names are at most ${d.maxChars}`)
export const HeadersTooLarge = defineError('LF_HEADERS_TOO_LARGE', 431,
  (_d: Record<string, never>) => 'The request line and headers are too large; shorten the URL or the headers')
export const ServerClosing = defineError('LF_SERVER_CLOSING', 503,
  (_d: Record<string, never>) => 'The server is shutting down; retry against another replica or after it restarts')
export const DatabaseUnavailable = defineError('LF_DATABASE_UNAVAILABLE', 503,
  (_d: Record<string, never>) => 'The database cannot be reached right now; retry in a few seconds')
export const Unauthorized = defineError('LF_UNAUTHORIZED', 401,
  (_d: Record<string, never>) => 'Missing or invalid credentials')
/** A target URL the egress policy (TARGET_ALLOW / TARGET_DENY) does not let agents reach. */
export const TargetDenied = defineError('LF_TARGET_DENIED', 400,
  (d: { issues: FieldIssue[] }) => `Target not allowed: ${d.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
export const AuthRateLimited = defineError('LF_AUTH_RATE_LIMITED', 429,
  (d: { retryAfterS: number }) => `Too many failed sign-ins; try again in ${d.retryAfterS} s`)
export const RouteNotFound = defineError('LF_ROUTE_NOT_FOUND', 404,
  (d: { method: string, url: string }) => `No route ${d.method} ${d.url}`)
export const TargetNotFound = defineError('LF_TARGET_NOT_FOUND', 404,
  (d: { id: string }) => `No target with id "${d.id}"`)
export const BrowserSiteNotFound = defineError('LF_BROWSER_SITE_NOT_FOUND', 404,
  (d: { id: string }) => `No browser site with id "${d.id}"`)
export const AgentNotFound = defineError('LF_AGENT_NOT_FOUND', 404,
  (d: { name: string }) => `No agent named "${d.name}"; register it first`)
export const AgentForbidden = defineError('LF_AGENT_FORBIDDEN', 403,
  (d: { name: string }) => `This credential was issued to another agent, not "${d.name}"; ` +
    'each agent uses the credential it was given when it registered')
/** An authenticated caller whose role lacks what the route needs. */
export const PermissionDenied = defineError('LF_PERMISSION_DENIED', 403,
  (d: { permission: string, role: string, route: string }) =>
    `${d.route} needs the "${d.permission}" permission, which the role "${d.role}" does not have; ` +
    'use a token of a role that has it')
/** A CI provider's OIDC token that no trust rule admits; `reason` says which check failed (never the token). */
export const WorkloadIdentityRefused = defineError('LF_WORKLOAD_IDENTITY_REFUSED', 401,
  (d: { reason: string, issuer: string | null, subject: string | null }) =>
    `CI token refused (${d.reason}); check the trust rules (LOADFLEET_TRUST_RULES) against its issuer, audience and subject`)
/** A session cookie that names no live session: signed out, expired, or from before a restart of the store. */
export const SessionExpired = defineError('LF_SESSION_EXPIRED', 401,
  (_d: Record<string, never>) => 'Your session has ended; sign in again')
/** A change sent with a session cookie but without the session's CSRF token. */
export const CsrfTokenInvalid = defineError('LF_CSRF_TOKEN_INVALID', 403,
  (d: { header: string }) => `A change made with a session cookie needs the session's CSRF token in the ${d.header} ` +
    'header (GET /api/auth/me answers it); reload the dashboard')
/** Single sign-on routes while no provider is configured. */
export const OidcNotConfigured = defineError('LF_OIDC_NOT_CONFIGURED', 404,
  (_d: Record<string, never>) => 'Single sign-on is not configured: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET')
/** A sign-in whose callback URL would be plain http on a network address, where the session cookie could leak. */
export const OidcRedirectInsecure = defineError('LF_OIDC_REDIRECT_INSECURE', 400,
  (d: { redirectUrl: string }) => `Single sign-on over plain http is allowed only on loopback, not ${d.redirectUrl}; ` +
    'set OIDC_REDIRECT_URL (or EXTERNAL_URL) to the dashboard\'s https:// URL')
export const ApiTokenNotFound = defineError('LF_API_TOKEN_NOT_FOUND', 404,
  (d: { id: string }) => `No API token with id "${d.id}"`)
export const RunNotOwned = defineError('LF_RUN_NOT_OWNED', 403,
  (d: { id: string }) => `Run "${d.id}" was started by another agent; only the agent that started a run can report it`)
export const RunNotFound = defineError('LF_RUN_NOT_FOUND', 404,
  (d: { id: string }) => `No run with id "${d.id}"`)
export const RunSummaryMissing = defineError('LF_RUN_SUMMARY_MISSING', 404,
  (d: { id: string }) => `Run "${d.id}" has no engine summary to export (it is still running or ended in an error)`)
export const ChangeNotFound = defineError('LF_CHANGE_NOT_FOUND', 404,
  (d: { targetId: string, id: string }) => `No change "${d.id}" of target "${d.targetId}"`)
export const ChangeNotOpen = defineError('LF_CHANGE_NOT_OPEN', 409,
  (d: { id: string, state: string }) => `Change "${d.id}" is ${d.state}; only an open change can be accepted`)
export const RunConflict = defineError('LF_RUN_CONFLICT', 409,
  (d: { id: string, reason: string }) => `Run "${d.id}" conflicts: ${d.reason}`)
export const SettingsInvalid = defineError('LF_SETTINGS_INVALID', 400,
  (d: { setting: string, problem: string }) => `${d.setting}: ${d.problem}`)
export const Internal = defineError('LF_INTERNAL', 500,
  (_d: Record<string, never>) => 'Internal error; the server log has the details')
export const TargetManaged = defineError('LF_TARGET_MANAGED', 409,
  (d: { id: string, app: string, test: string }) => `Site ${d.app}/${d.test} is managed by the manifest of app ` +
    `"${d.app}": change its test "${d.test}" there and run loadfleet apply (only its secret headers can be set here)`)
export const AppNotFound = defineError('LF_APP_NOT_FOUND', 404,
  (d: { app: string }) => `No app named "${d.app}" on this control plane: apps appear once a gate covering them is recorded`)
export const GateNotFound = defineError('LF_GATE_NOT_FOUND', 404,
  (d: { app: string, revision: string }) => `No gate of app "${d.app}" recorded at revision "${d.revision}"`)
export const AlertRuleNotFound = defineError('LF_ALERT_RULE_NOT_FOUND', 404,
  (d: { id: string }) => `No alert rule with id "${d.id}"`)
export const AlertRuleBuiltIn = defineError('LF_ALERT_RULE_BUILT_IN', 409,
  (d: { id: string }) => `Alert rule "${d.id}" is built in: disable it with PATCH {"enabled": false} instead of deleting it`)
export const AlertChannelNotFound = defineError('LF_ALERT_CHANNEL_NOT_FOUND', 404,
  (d: { id: string }) => `No alert channel with id "${d.id}"`)
export const SilenceNotFound = defineError('LF_SILENCE_NOT_FOUND', 404,
  (d: { id: string }) => `No silence with id "${d.id}"`)
export const DistributedRunNotFound = defineError('LF_DISTRIBUTED_RUN_NOT_FOUND', 404,
  (d: { id: string }) => `No distributed run "${d.id}"`)
export const PartNotOwned = defineError('LF_PART_NOT_OWNED', 403,
  (d: { runId: string, index: number }) => `Part ${d.index} of distributed run "${d.runId}" was accepted by another agent`)
