import type {
  Agent, AgentHeartbeat, AgentLeave, AgentRegister, AgentRegistered, AgentTarget, AuditEntry, Config, ConfigSaved,
  ConfigUpdate, FleetStatus, Run, RunDetail, RunFinish, RunStart, RunsQuery, SeriesBucketsPage, SeriesPoint, Target,
  TargetCreate, TargetPatch, TargetWithStats,
} from './schemas.js'
import type { BaselinePin, Change, ChangeState, TargetBaseline } from './judging.js'
import type {
  AlertChannel, AlertChannelCreate, AlertChannelPatch, AlertChannelTestResult, AlertRule, AlertRuleCreate,
  AlertRulePatch, AlertsOverview, Silence, SilenceCreate,
} from './alerts.js'
import type { ApiToken, ApiTokenCreate, ApiTokenCreated, AuthMe } from './tokens.js'
import type { ApplyRequest, ApplyResult } from './apply.js'
import type { AppSummary, Gate, GateDetail, GateRecordRequest, GatesQuery, RunRequested } from './gates.js'
import type { DistributedRun, DistributedRunCreate, PartClaimed, PartFinish, PartState } from './distributed.js'
import type {
  AgentBrowserSite, BrowserRun, BrowserRunDetail, BrowserRunFinish, BrowserRunStart, BrowserSite, BrowserSiteCreate,
  BrowserSitePatch, BrowserSiteWithLast,
} from './browser.js'
import { ROUTES } from './routes.js'

/** A non-2xx answer from the API, rebuilt from its `{ code, message, details }` body. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: unknown

  constructor (status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

export interface ApiClientOptions {
  baseUrl: string
  /** `user:password` for admin routes. */
  adminAuth?: string
  /** An API token (`lf_…`) for admin and dashboard routes instead of `adminAuth`; its role decides what it may do. */
  apiToken?: string
  /** The enrolment secret (DASHBOARD_SECRET) that registers agents. */
  agentToken?: string
  /**
   * A dashboard session's CSRF token (`GET /api/auth/me`): sent as X-CSRF-Token on every change, which the browser
   * authenticates with the session cookie.
   */
  csrfToken?: string
  /** Credentials already issued, by agent name (`registerAgent` adds to them). */
  agentCredentials?: Record<string, string>
  /** Per-request timeout; the agent must never hang on a dead control plane. */
  timeoutMs?: number
  fetch?: typeof fetch
}

export interface Page<T> { data: T[], pagination: { nextCursor: string | null, limit: number } }

/** `agent` is the enrolment secret; `{ agent: name }` that agent's own credential. */
type Auth = 'admin' | 'agent' | { agent: string } | 'none'
type Query = Record<string, string | number | undefined>
interface RequestInit {
  auth?: Auth
  body?: unknown
  query?: Query
  /** Answer the body's text as sent. */
  raw?: boolean
}

const DEFAULT_TIMEOUT_MS = 10_000
// RFC 6750's b64token, bounded: what may follow "Bearer " in a header.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]{1,512}=*$/

/** Typed client of the v1 API, shared by the agent, the CLI and the dashboard. */
export class ApiClient {
  readonly #options: ApiClientOptions
  // Kept in memory only: a credential is never logged nor written anywhere by the client.
  readonly #credentials: Map<string, string>

  constructor (options: ApiClientOptions) {
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') }
    this.#credentials = new Map(Object.entries(options.agentCredentials ?? {}))
  }

  /** The credential issued to `name` at its last registration through this client, if any. */
  agentCredential (name: string): string | undefined {
    return this.#credentials.get(name)
  }

  async request<T> (method: string, path: string, init: RequestInit = {}): Promise<T> {
    const text = await this.#send(method, path, init)
    if (init.raw === true) return text as T
    return (text === '' ? undefined : safeJson(text)) as T
  }

  async #send (method: string, path: string, init: RequestInit): Promise<string> {
    const headers: Record<string, string> = { accept: init.raw === true ? '*/*' : 'application/json' }
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    if (this.#options.csrfToken !== undefined && method !== 'GET' && method !== 'HEAD') {
      headers['x-csrf-token'] = this.#options.csrfToken
    }
    if (init.auth === 'admin' && this.#options.apiToken !== undefined) {
      headers.authorization = `Bearer ${this.#options.apiToken}`
    } else if (init.auth === 'admin' && this.#options.adminAuth !== undefined) {
      headers.authorization = `Basic ${toBase64(this.#options.adminAuth)}`
    }
    const bearer = this.#bearerFor(init.auth)
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
    const doFetch = this.#options.fetch ?? fetch
    const res = await doFetch(this.#options.baseUrl + path + toQueryString(init.query), {
      method,
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    })
    const text = await res.text()
    if (!res.ok) {
      const body = ((text === '' ? undefined : safeJson(text)) ?? {}) as { code?: string, message?: string, details?: unknown }
      throw new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText, body.details)
    }
    return text
  }

  #bearerFor (auth: Auth | undefined): string | undefined {
    if (auth === 'agent') return this.#options.agentToken
    if (typeof auth !== 'object') return undefined
    // A control plane older than per-agent credentials issues none and takes the enrolment secret everywhere.
    return this.#credentials.get(auth.agent) ?? this.#options.agentToken
  }

  // Admin
  listTargets (): Promise<{ data: Target[] }> { return this.request('GET', ROUTES.adminTargets, { auth: 'admin' }) }
  createTarget (body: TargetCreate): Promise<Target> {
    return this.request('POST', ROUTES.adminTargets, { auth: 'admin', body })
  }

  getTarget (id: string): Promise<Target> { return this.request('GET', ROUTES.adminTarget(id), { auth: 'admin' }) }
  updateTarget (id: string, body: TargetPatch): Promise<Target> {
    return this.request('PATCH', ROUTES.adminTarget(id), { auth: 'admin', body })
  }

  deleteTarget (id: string): Promise<void> { return this.request('DELETE', ROUTES.adminTarget(id), { auth: 'admin' }) }
  getConfig (): Promise<Config> { return this.request('GET', ROUTES.adminConfig, { auth: 'admin' }) }
  putConfig (body: ConfigUpdate): Promise<ConfigSaved> {
    return this.request('PUT', ROUTES.adminConfig, { auth: 'admin', body })
  }
  /** Whether single sign-on is on, and the session cookie's user and CSRF token (the browser sends the cookie). */
  authMe (): Promise<AuthMe> { return this.request('GET', ROUTES.authMe) }
  /** Ends the session of the cookie; answers the provider's sign-out URL, when it has one. */
  logout (): Promise<{ endSessionUrl: string | null }> { return this.request('POST', ROUTES.authLogout) }
  /** The audit trail, newest first; each filter is an exact match, `since`/`until` ISO times. */
  listAudit (query: {
    cursor?: string, limit?: number, actor?: string, action?: string, entity?: string, entityId?: string
    since?: string, until?: string
  } = {}): Promise<Page<AuditEntry>> {
    return this.request('GET', ROUTES.adminAudit, { auth: 'admin', query })
  }

  /** The audit trail as JSON lines, oldest first, with the same filters as `listAudit`. */
  exportAudit (query: Omit<Parameters<ApiClient['listAudit']>[0] & object, 'cursor' | 'limit'> = {}): Promise<string> {
    return this.request('GET', ROUTES.adminAuditExport, { auth: 'admin', query, raw: true })
  }

  /** Makes the managed sites what `body.targets` says, in one transaction; `dryRun` only answers the plan. */
  applyTargets (body: ApplyRequest): Promise<ApplyResult> {
    return this.request('POST', ROUTES.adminApply, { auth: 'admin', body })
  }

  pinBaseline (targetId: string, body: BaselinePin): Promise<TargetBaseline> {
    return this.request('PUT', ROUTES.adminTargetBaseline(targetId), { auth: 'admin', body })
  }

  unpinBaseline (targetId: string): Promise<TargetBaseline> {
    return this.request('DELETE', ROUTES.adminTargetBaseline(targetId), { auth: 'admin' })
  }

  acceptChange (targetId: string, changeId: string): Promise<Change> {
    return this.request('POST', ROUTES.adminTargetChangeAccept(targetId, changeId), { auth: 'admin', body: {} })
  }

  reconcileFleet (): Promise<FleetStatus> {
    return this.request('POST', ROUTES.adminFleetReconcile, { auth: 'admin', body: {} })
  }

  /** Creates an API token; the answer holds the token, which no later call shows again. */
  createApiToken (body: ApiTokenCreate): Promise<ApiTokenCreated> {
    return this.request('POST', ROUTES.adminTokens, { auth: 'admin', body })
  }

  listApiTokens (): Promise<{ data: ApiToken[] }> { return this.request('GET', ROUTES.adminTokens, { auth: 'admin' }) }
  /** Revokes a token: it stops working at once. */
  deleteApiToken (id: string): Promise<void> { return this.request('DELETE', ROUTES.adminToken(id), { auth: 'admin' }) }

  listAlertChannels (): Promise<{ data: AlertChannel[] }> {
    return this.request('GET', ROUTES.adminAlertChannels, { auth: 'admin' })
  }

  createAlertChannel (body: AlertChannelCreate): Promise<AlertChannel> {
    return this.request('POST', ROUTES.adminAlertChannels, { auth: 'admin', body })
  }

  updateAlertChannel (id: string, body: AlertChannelPatch): Promise<AlertChannel> {
    return this.request('PATCH', ROUTES.adminAlertChannel(id), { auth: 'admin', body })
  }

  deleteAlertChannel (id: string): Promise<void> {
    return this.request('DELETE', ROUTES.adminAlertChannel(id), { auth: 'admin' })
  }

  testAlertChannel (id: string): Promise<AlertChannelTestResult> {
    return this.request('POST', ROUTES.adminAlertChannelTest(id), { auth: 'admin', body: {} })
  }

  listAlertRules (): Promise<{ data: AlertRule[] }> {
    return this.request('GET', ROUTES.adminAlertRules, { auth: 'admin' })
  }

  createAlertRule (body: AlertRuleCreate): Promise<AlertRule> {
    return this.request('POST', ROUTES.adminAlertRules, { auth: 'admin', body })
  }

  updateAlertRule (id: string, body: AlertRulePatch): Promise<AlertRule> {
    return this.request('PATCH', ROUTES.adminAlertRule(id), { auth: 'admin', body })
  }

  deleteAlertRule (id: string): Promise<void> {
    return this.request('DELETE', ROUTES.adminAlertRule(id), { auth: 'admin' })
  }

  listSilences (): Promise<{ data: Silence[] }> { return this.request('GET', ROUTES.adminSilences, { auth: 'admin' }) }
  createSilence (body: SilenceCreate): Promise<Silence> {
    return this.request('POST', ROUTES.adminSilences, { auth: 'admin', body })
  }

  deleteSilence (id: string): Promise<void> { return this.request('DELETE', ROUTES.adminSilence(id), { auth: 'admin' }) }

  /** Keeps a gate's evidence file on the control plane, as a versioned artifact of its app and revision. */
  recordGate (body: GateRecordRequest): Promise<Gate> {
    return this.request('POST', ROUTES.adminGates, { auth: 'admin', body })
  }

  /** Asks the fleet to run a site now, whatever its schedule; an agent picks it up at its next poll. */
  requestRun (targetId: string): Promise<RunRequested> {
    return this.request('POST', ROUTES.adminTargetRun(targetId), { auth: 'admin', body: {} })
  }

  listBrowserSites (): Promise<{ data: BrowserSite[] }> {
    return this.request('GET', ROUTES.adminBrowserSites, { auth: 'admin' })
  }

  createBrowserSite (body: BrowserSiteCreate): Promise<BrowserSite> {
    return this.request('POST', ROUTES.adminBrowserSites, { auth: 'admin', body })
  }

  updateBrowserSite (id: string, body: BrowserSitePatch): Promise<BrowserSite> {
    return this.request('PATCH', ROUTES.adminBrowserSite(id), { auth: 'admin', body })
  }

  deleteBrowserSite (id: string): Promise<void> {
    return this.request('DELETE', ROUTES.adminBrowserSite(id), { auth: 'admin' })
  }

  /** Browser sites with their last check's verdict and headline figures. */
  dashboardBrowserSites (): Promise<{ data: BrowserSiteWithLast[] }> {
    return this.request('GET', ROUTES.dashboardBrowserSites, { auth: 'admin' })
  }

  /** Browser checks, newest first. */
  dashboardBrowserRuns (query: { siteId?: string, limit?: number } = {}): Promise<{ data: BrowserRun[] }> {
    return this.request('GET', ROUTES.dashboardBrowserRuns, { auth: 'admin', query })
  }

  dashboardBrowserRun (id: string): Promise<BrowserRunDetail> {
    return this.request('GET', ROUTES.dashboardBrowserRun(id), { auth: 'admin' })
  }

  // Dashboard (read-only)
  listApps (): Promise<{ data: AppSummary[] }> { return this.request('GET', ROUTES.dashboardApps, { auth: 'admin' }) }
  getApp (name: string): Promise<AppSummary> { return this.request('GET', ROUTES.dashboardApp(name), { auth: 'admin' }) }
  listAppGates (name: string, query: GatesQuery = {}): Promise<{ data: Gate[] }> {
    return this.request('GET', ROUTES.dashboardAppGates(name), { auth: 'admin', query: query as Query })
  }

  /** The latest gate of the app at a revision (`passing`: the latest that passed or warned). */
  getAppRevision (name: string, sha: string, query: { passing?: 'true' | 'false' } = {}): Promise<GateDetail> {
    return this.request('GET', ROUTES.dashboardAppRevision(name, sha), { auth: 'admin', query })
  }

  /** That gate's evidence file, byte for byte as recorded. */
  getAppRevisionEvidence (name: string, sha: string, query: { passing?: 'true' | 'false' } = {}): Promise<string> {
    return this.request('GET', ROUTES.dashboardAppRevisionEvidence(name, sha), { auth: 'admin', query, raw: true })
  }

  dashboardAlerts (): Promise<AlertsOverview> { return this.request('GET', ROUTES.dashboardAlerts, { auth: 'admin' }) }

  dashboardTargets (): Promise<{ data: TargetWithStats[] }> {
    return this.request('GET', ROUTES.dashboardTargets, { auth: 'admin' })
  }

  targetSeries (id: string, query: { from?: string, to?: string } = {}): Promise<{ data: SeriesPoint[] }> {
    return this.request('GET', ROUTES.dashboardTargetSeries(id), { auth: 'admin', query })
  }

  targetChanges (id: string, query: { state?: ChangeState, limit?: number } = {}): Promise<{ data: Change[] }> {
    return this.request('GET', ROUTES.dashboardTargetChanges(id), { auth: 'admin', query })
  }

  targetBaseline (id: string): Promise<TargetBaseline> {
    return this.request('GET', ROUTES.dashboardTargetBaseline(id), { auth: 'admin' })
  }

  /** The runs of a window aggregated into buckets of `bucket` ("15m", "1h"): median and p95 of each figure. */
  targetSeriesBuckets (id: string, query: { from?: string, to?: string, bucket: string }): Promise<SeriesBucketsPage> {
    return this.request('GET', ROUTES.dashboardTargetSeries(id), { auth: 'admin', query })
  }

  dashboardAgents (): Promise<{ data: Agent[], fleet: FleetStatus }> {
    return this.request('GET', ROUTES.dashboardAgents, { auth: 'admin' })
  }

  fleetStatus (): Promise<FleetStatus> { return this.request('GET', ROUTES.dashboardFleet, { auth: 'admin' }) }
  listRuns (query: RunsQuery = {}): Promise<Page<Run>> {
    return this.request('GET', ROUTES.dashboardRuns, { auth: 'admin', query: query as Query })
  }

  getRun (id: string): Promise<RunDetail> { return this.request('GET', ROUTES.dashboardRun(id), { auth: 'admin' }) }
  getRunSummaryExport (id: string): Promise<Record<string, unknown>> {
    return this.request('GET', ROUTES.dashboardRunSummaryExport(id), { auth: 'admin' })
  }

  /** Submits a test to be run by `agents` agents at once (`loadfleet run --on`). */
  createDistributedRun (body: DistributedRunCreate): Promise<DistributedRun> {
    return this.request('POST', ROUTES.adminDistributedRuns, { auth: 'admin', body })
  }

  getDistributedRun (id: string): Promise<DistributedRun> {
    return this.request('GET', ROUTES.dashboardDistributedRun(id), { auth: 'admin' })
  }

  // Agent
  /** Takes an open part of a distributed run, if there is one this agent may run. */
  claimPart (name: string): Promise<PartClaimed> {
    return this.request('POST', ROUTES.agentPartClaim(name), { auth: { agent: name }, body: {} })
  }

  partState (name: string, runId: string, index: number): Promise<PartState> {
    return this.request('GET', ROUTES.agentPart(name, runId, index), { auth: { agent: name } })
  }

  /** The agent loaded its part's test and is ready: the start time is set once every part is accepted. */
  acceptPart (name: string, runId: string, index: number): Promise<PartState> {
    return this.request('POST', ROUTES.agentPartAccept(name, runId, index), { auth: { agent: name }, body: {} })
  }

  finishPart (name: string, runId: string, index: number, body: PartFinish): Promise<PartState> {
    return this.request('POST', ROUTES.agentPartFinish(name, runId, index), { auth: { agent: name }, body })
  }

  /**
   * Registers with the enrolment secret; the credential answered is kept for this agent's other calls (and
   * replaces the one of an earlier registration, which the control plane no longer accepts).
   */
  async registerAgent (body: AgentRegister): Promise<AgentRegistered> {
    const registered = await this.request<AgentRegistered>('POST', ROUTES.agentRegister, { auth: 'agent', body })
    // Only a plain token can go into a header: anything else (a control plane that sends junk) is not kept.
    const credential: unknown = registered.credential
    if (typeof credential === 'string' && BEARER_TOKEN.test(credential)) this.#credentials.set(body.name, credential)
    return registered
  }

  heartbeat (name: string, body: AgentHeartbeat): Promise<Agent> {
    return this.request('POST', ROUTES.agentHeartbeat(name), { auth: { agent: name }, body })
  }

  /** Tells the control plane this agent is stopping cleanly: it shows `offline` at once. */
  leaveAgent (name: string, body: AgentLeave = {}): Promise<Agent> {
    return this.request('POST', ROUTES.agentLeave(name), { auth: { agent: name }, body })
  }

  agentTargets (name: string): Promise<{ data: AgentTarget[] }> {
    return this.request('GET', ROUTES.agentTargets(name), { auth: { agent: name } })
  }

  startRun (name: string, body: RunStart): Promise<Run> {
    return this.request('POST', ROUTES.agentRunStart(name), { auth: { agent: name }, body })
  }

  finishRun (name: string, runId: string, body: RunFinish): Promise<Run> {
    return this.request('POST', ROUTES.agentRunFinish(name, runId), { auth: { agent: name }, body })
  }

  agentBrowserSites (name: string): Promise<{ data: AgentBrowserSite[] }> {
    return this.request('GET', ROUTES.agentBrowserSites(name), { auth: { agent: name } })
  }

  startBrowserRun (name: string, body: BrowserRunStart): Promise<BrowserRun> {
    return this.request('POST', ROUTES.agentBrowserRunStart(name), { auth: { agent: name }, body })
  }

  finishBrowserRun (name: string, runId: string, body: BrowserRunFinish): Promise<BrowserRun> {
    return this.request('POST', ROUTES.agentBrowserRunFinish(name, runId), { auth: { agent: name }, body })
  }
}

function toQueryString (query: Query | undefined): string {
  if (query === undefined) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value))
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

function safeJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return { code: 'LF_BAD_RESPONSE', message: text.slice(0, 200) }
  }
}

function toBase64 (text: string): string {
  // btoa only takes Latin-1; encode as UTF-8 first so any password works in browsers and Node alike.
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}
