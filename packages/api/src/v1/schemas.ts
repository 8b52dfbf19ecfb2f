import { z } from 'zod'
import {
  AGENT_DEGRADED_REASON_MAX_CHARS, AGENT_NAME_MAX_CHARS, AGENT_NAME_PATTERN, DESIRED_AGENT_COUNT_MAX,
  HEARTBEAT_INTERVAL_MS_MAX, HEARTBEAT_INTERVAL_MS_MIN, RUN_INTERVAL_MS_MAX, RUN_INTERVAL_MS_MIN, RUN_STATUSES,
  SERIES_BUCKET_MS_MAX, SERIES_BUCKET_MS_MIN, SERIES_BUCKET_PATTERN, SUMMARY_MAX_BYTES, SUMMARY_MAX_DEPTH,
  TARGET_DURATION_S_MAX, TARGET_LABEL_MAX_CHARS, TARGET_URL_MAX_CHARS, TARGET_VUS_MAX, httpUrlProblem, normaliseHttpUrl,
  scriptProblem, seriesBucketMs, textProblem,
} from './plain-checks.js'
import { DEFAULT_EXPECTED_STATUSES } from './expected-statuses.js'
import { TARGET_HEADERS_MAX, headerNameProblem, headerValueProblem, secretValueProblem } from './header-checks.js'
import { BaselineComparison, ExpectedStatuses, OpenChange, RunVerdict, Thresholds } from './judging.js'

/**
 * An absolute http:// or https:// URL with one unambiguous WHATWG reading, stored in its normalised form; anything
 * else (file:, javascript:, `http:///x`, CR/LF/TAB, leading spaces, `\`) is refused.
 */
export const HttpUrl = z.string().max(TARGET_URL_MAX_CHARS)
  .superRefine((value, ctx) => {
    const problem = httpUrlProblem(value)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  })
  .overwrite(normaliseHttpUrl)
  .describe('URL under test (http or https); stored as the WHATWG URL parser serialises it')

/** Text every store keeps exactly: no NUL, no lone surrogate. */
export function StoredText (maxChars: number) {
  return z.string().max(maxChars).superRefine((value, ctx) => {
    const problem = textProblem(value)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  })
}

/** Depth of a JSON value, counted without recursion (a hostile body may nest 100,000 levels). */
export function jsonDepth (value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (typeof node !== 'object' || node === null) continue
    if (depth > max) max = depth
    if (max > stopAt) return max
    for (const child of Object.values(node)) stack.push([child, depth + 1])
  }
  return max
}

/** An engine summary: JSON of bounded depth and size. */
const Summary = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  if (jsonDepth(value, SUMMARY_MAX_DEPTH) > SUMMARY_MAX_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `nested deeper than ${SUMMARY_MAX_DEPTH} levels` })
    return
  }
  if (new TextEncoder().encode(JSON.stringify(value)).length > SUMMARY_MAX_BYTES) {
    ctx.addIssue({ code: 'custom', message: `larger than ${SUMMARY_MAX_BYTES} bytes as JSON` })
  }
})

const IsoTime = z.string().describe('ISO-8601 timestamp')

/** A site's labels: alert rules select sites by them and silences match them. */
export const TargetLabels = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a label name: letters, digits and "_", not starting with a digit'),
  z.string().max(200),
).refine((labels) => Object.keys(labels).length <= 20, { message: 'expected at most 20 labels' })
  .describe('Labels, e.g. { "team": "shop", "env": "prod" }')

const HeaderValue = z.string().superRefine((value, ctx) => {
  const problem = headerValueProblem(value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})
const SecretHeaderValue = z.string().superRefine((value, ctx) => {
  const problem = secretValueProblem(value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

/** A map of header names to `value`; names are checked here, as a record's key issue would lose its message. */
function headerMap<V extends z.ZodType> (value: V) {
  return z.record(z.string(), value).superRefine((headers, ctx) => {
    const names = Object.keys(headers)
    if (names.length > TARGET_HEADERS_MAX) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${TARGET_HEADERS_MAX} headers` })
    }
    for (const name of names) {
      const problem = headerNameProblem(name)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem })
    }
  })
}

/** Request headers sent with every request to the site; shown on every read, so never put a credential here. */
export const TargetHeaders = headerMap(HeaderValue)
  .describe('Plain request headers, e.g. { "Accept": "application/json" }; shown on every read')

/**
 * Request headers whose values are secret: sealed at rest, never shown again (reads list their names only), sent
 * only to the agents that run the site. A value may instead reference where the agent reads it when a run starts:
 * `env:NAME` (an environment variable of the agent) or `file:/path` (a mounted Kubernetes Secret, a Vault agent file).
 */
export const TargetSecretHeaders = headerMap(SecretHeaderValue)
  .describe('Secret request headers, e.g. { "Authorization": "Bearer …" } or { "X-Api-Key": "env:SHOP_API_KEY" }; ' +
    'write-only')

/** Secret headers to change: a value sets (or replaces) one, null removes it, a name left out keeps it. */
export const TargetSecretHeadersPatch = headerMap(SecretHeaderValue.nullable())
  .describe('Secret headers to set (a value) or remove (null); names left out keep their value')

const ScriptText = z.string().superRefine((value, ctx) => {
  const problem = scriptProblem(value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

/**
 * A k6 script (JavaScript) agents run on their built-in engine instead of fetching `url` in a loop; the control
 * plane compiles it on save. Its `options` set VUs and duration (within each agent's limits); `url` names the site.
 */
export const TargetScript = ScriptText.nullable()
  .describe('k6 script (JavaScript) run for this site instead of GET url, compiled on save; null = none')

/** What an admin declares about a site to test. */
export const TargetCreate = z.strictObject({
  url: HttpUrl,
  label: StoredText(TARGET_LABEL_MAX_CHARS).default('').describe('Human-readable name, any Unicode'),
  vus: z.int().min(1).max(TARGET_VUS_MAX).default(1).describe('Virtual users per run'),
  durationS: z.int().min(1).max(TARGET_DURATION_S_MAX).default(30).describe('Test duration in seconds'),
  runIntervalMs: z.int().min(RUN_INTERVAL_MS_MIN).max(RUN_INTERVAL_MS_MAX).default(60_000)
    .describe('How often each agent runs this target'),
  enabled: z.boolean().default(true).describe('Whether agents pick up this target'),
  thresholds: Thresholds.default({}),
  expectedStatuses: ExpectedStatuses.default([...DEFAULT_EXPECTED_STATUSES]),
  labels: TargetLabels.default({}),
  headers: TargetHeaders.default({}),
  secretHeaders: TargetSecretHeaders.default({}),
  script: TargetScript.default(null),
})
export type TargetCreate = z.input<typeof TargetCreate>

/** A partial update of a target; at least one field. */
export const TargetPatch = z.strictObject({
  url: HttpUrl.optional(),
  label: StoredText(TARGET_LABEL_MAX_CHARS).optional(),
  vus: z.int().min(1).max(TARGET_VUS_MAX).optional(),
  durationS: z.int().min(1).max(TARGET_DURATION_S_MAX).optional(),
  runIntervalMs: z.int().min(RUN_INTERVAL_MS_MIN).max(RUN_INTERVAL_MS_MAX).optional(),
  enabled: z.boolean().optional(),
  thresholds: Thresholds.optional(),
  expectedStatuses: ExpectedStatuses.optional(),
  labels: TargetLabels.optional(),
  headers: TargetHeaders.optional().describe('Replaces every plain header'),
  secretHeaders: TargetSecretHeadersPatch.optional(),
  script: TargetScript.optional().describe('Replaces the script; null makes the site a plain URL again'),
}).refine((patch) => Object.keys(patch).length > 0, { message: 'expected at least one field to change' })
export type TargetPatch = z.input<typeof TargetPatch>

export const Target = z.object({
  id: z.string(),
  url: z.string(),
  label: z.string(),
  vus: z.int(),
  durationS: z.int(),
  runIntervalMs: z.int(),
  enabled: z.boolean(),
  /** The site's own thresholds; the defaults (admin config) apply to every metric key not named here. */
  thresholds: z.record(z.string(), z.array(z.string())),
  expectedStatuses: z.array(z.union([z.int(), z.string()])),
  /** Always sent by this server; optional so older servers' answers still parse. */
  labels: z.record(z.string(), z.string()).optional(),
  /** Always sent by this server; optional so older servers' answers still parse. */
  headers: z.record(z.string(), z.string()).optional(),
  /** The names of the secret headers; their values are never read back. */
  secretHeaderNames: z.array(z.string()).optional(),
  /** When each secret header's value was last set, by name. */
  secretHeadersChangedAt: z.record(z.string(), IsoTime).optional(),
  /** The site's k6 script, or null for a plain URL site; optional so older servers' answers still parse. */
  script: z.string().nullable().optional(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Target = z.infer<typeof Target>

/** A target as listed for the dashboard: with the latest figures and a short p95 trend. */
export const TargetWithStats = Target.extend({
  stats: z.object({
    lastRunAt: IsoTime.nullable(),
    lastStatus: z.enum(RUN_STATUSES).nullable(),
    p95Ms: z.number().nullable(),
    errorRate: z.number().nullable(),
    /** p95 of the most recent finished runs, oldest first (at most 20). */
    p95TrendMs: z.array(z.number()),
    /** The status of the newest finished run (not `running`). */
    lastVerdict: z.enum(RUN_STATUSES).nullable(),
    /** Why the newest finished run failed (or errored), in words. */
    lastFailureReason: z.string().nullable(),
    /** Changes the detector sees now (state `open`). */
    openChanges: z.array(OpenChange),
  }),
})
export type TargetWithStats = z.infer<typeof TargetWithStats>

/**
 * A target as an agent receives it: when this agent last started it, so a restarted agent does not burst, and the
 * thresholds in force (the defaults merged with the site's own), so the engine judges the run as the server will.
 */
export const AgentTarget = Target.extend({
  lastStartedAt: IsoTime.nullable(),
  effectiveThresholds: z.record(z.string(), z.array(z.string())).optional(),
  /**
   * The secret headers' values (or their `env:`/`file:` references), sent only on this route and only for enabled
   * targets. The agent sends them with its requests and keeps them out of its results and logs.
   */
  secretHeaders: z.record(z.string(), z.string()).optional(),
  /** Secret headers the control plane cannot open (sealed with a key it lacks): a run cannot send them. */
  unreadableSecretHeaders: z.array(z.string()).optional(),
  /** A run asked for at this time (a gate on the fleet): run once after it, even when not enabled or not due. */
  runRequestedAt: IsoTime.nullable().optional(),
})
export type AgentTarget = z.infer<typeof AgentTarget>

export const AgentStatus = z.enum(['online', 'busy', 'offline'])
export type AgentStatus = z.infer<typeof AgentStatus>

export const Agent = z.object({
  name: z.string(),
  status: AgentStatus,
  currentRunId: z.string().nullable(),
  version: z.string(),
  registeredAt: IsoTime,
  lastSeenAt: IsoTime,
  /** Results this agent process gave up delivering since it started (see its `result_dead_lettered` log lines). */
  deadLetters: z.int(),
  /**
   * Why the agent takes no work, as it last reported, e.g. "spool directory full: ENOSPC writing /tmp/…" (it
   * cannot record a run); null when it can. It keeps heartbeating and delivering while degraded.
   */
  degradedReason: z.string().nullable(),
})
export type Agent = z.infer<typeof Agent>

/** Agent names follow Kubernetes pod names: DNS-1123 labels up to 253 chars. */
export const AgentName = z.string()
  .max(AGENT_NAME_MAX_CHARS, `expected at most ${AGENT_NAME_MAX_CHARS} characters`)
  .regex(AGENT_NAME_PATTERN,
    `expected 1-${AGENT_NAME_MAX_CHARS} letters, digits, ".", "_" or "-", starting and ending with a letter or digit`)

export const AgentRegister = z.strictObject({
  name: AgentName,
  heartbeatIntervalMs: z.int().min(HEARTBEAT_INTERVAL_MS_MIN).max(HEARTBEAT_INTERVAL_MS_MAX).optional()
    .describe('How often this agent sends heartbeats; after 3 missed ones its running runs end as `error` ("agent lost")'),
  version: StoredText(64).default('unknown'),
})
export type AgentRegister = z.input<typeof AgentRegister>

/** The answer to a registration: the agent, and the credential it must send on its other routes. */
export const AgentRegistered = Agent.extend({
  credential: z.string().describe('This agent\'s own bearer credential for every agent route but register; shown ' +
    'once, and replaced (the old one stops working) when the name registers again'),
})
export type AgentRegistered = z.infer<typeof AgentRegistered>

export const AgentHeartbeat = z.strictObject({
  status: z.enum(['online', 'busy']),
  currentRunId: z.string().max(64).nullable().default(null),
  deadLetters: z.int().min(0).optional()
    .describe('Results this agent process gave up delivering (refused, or failing past its retry bound)'),
  degradedReason: StoredText(AGENT_DEGRADED_REASON_MAX_CHARS).nullable().optional()
    .describe('Why the agent starts no run (e.g. its spool directory is full); null when it can. Absent = unchanged'),
})
export type AgentHeartbeat = z.input<typeof AgentHeartbeat>

/** Sent by an agent stopping cleanly: it is `offline` at once (the reaper only handles agents that vanish). */
export const AgentLeave = z.strictObject({
  reason: StoredText(200).optional().describe('Why the agent is leaving, e.g. "SIGTERM"'),
})
export type AgentLeave = z.input<typeof AgentLeave>

/**
 * - `running`: an agent started it and has not reported a result yet.
 * - `passed`: finished; some request succeeded and no threshold (the site's or the defaults) was crossed.
 * - `failed`: finished, but no request succeeded or a threshold was crossed; `failureReason` says which, with the
 *   observed value. The control plane judges this itself from the reported result, whatever the agent said.
 * - `error`: could not complete (agent reported it, or the reaper found it stopped reporting).
 * - `aborted`: stopped on purpose before it finished (its agent was shut down cleanly, e.g. SIGTERM or stopping
 *   `loadfleet up`); not a verdict on the target, so left out of trends, charts, regression checks and alerts.
 */
export const RunStatus = z.enum(RUN_STATUSES)
export type RunStatus = z.infer<typeof RunStatus>

/** Per-run figures, named as in the operations guide. */
export const RunMetrics = z.strictObject({
  /** Latency figures are null when no request succeeded: there is no latency to report. */
  p50_ms: z.number().min(0).nullable(),
  p95_ms: z.number().min(0).nullable(),
  p99_ms: z.number().min(0).nullable(),
  avg_ms: z.number().min(0).nullable(),
  error_rate: z.number().min(0).max(1),
  rps: z.number().min(0),
  data_received_bytes: z.number().min(0),
  iterations: z.number().int().min(0),
})
export type RunMetrics = z.infer<typeof RunMetrics>

export const RunId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected 8-64 letters, digits, "_" or "-" (a UUID fits)')

/** An agent reports that it started a run; the id is the agent's own, so a retry never duplicates. */
export const RunStart = z.strictObject({
  id: RunId,
  targetId: z.string().min(1).max(64),
  startedAt: IsoTime.optional(),
})
export type RunStart = z.input<typeof RunStart>

/** An agent reports a run's result; the same result twice is stored once, a different one is a 409. */
export const RunFinish = z.strictObject({
  status: z.enum(['passed', 'failed', 'error', 'aborted']),
  finishedAt: IsoTime.optional(),
  errorMessage: StoredText(4000).nullable().default(null),
  metrics: RunMetrics.nullable().default(null),
  /** The engine's full `RunResult` (k6 handleSummary-shaped metrics, thresholds, status codes). */
  summary: Summary.nullable().default(null),
})
export type RunFinish = z.input<typeof RunFinish>

export const Run = z.object({
  id: z.string(),
  targetId: z.string(),
  /** The target's label and URL at read time (null when the target was deleted). */
  targetLabel: z.string().nullable(),
  targetUrl: z.string().nullable(),
  agentName: z.string(),
  status: RunStatus,
  startedAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  errorMessage: z.string().nullable(),
  metrics: RunMetrics.nullable(),
  /** Why a `failed` run failed: the threshold and its observed value, or "no request succeeded". */
  failureReason: z.string().nullable(),
  verdict: RunVerdict.nullable(),
})
export type Run = z.infer<typeof Run>

export const RunDetail = Run.extend({
  summary: z.record(z.string(), z.unknown()).nullable(),
  /** The run beside its site's baseline; null while running, or when there is no baseline yet. */
  baseline: BaselineComparison.nullable(),
  /** The previous and next runs of the same site, by start time. */
  previousRunId: z.string().nullable(),
  nextRunId: z.string().nullable(),
})
export type RunDetail = z.infer<typeof RunDetail>

export const RunsQuery = z.strictObject({
  targetId: z.string().optional(),
  status: RunStatus.optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
export type RunsQuery = z.input<typeof RunsQuery>

export const SeriesQuery = z.strictObject({
  from: IsoTime.optional().describe('Start of the window (default: 24 hours before `to`)'),
  to: IsoTime.optional().describe('End of the window (default: now)'),
  bucket: z.string().regex(SERIES_BUCKET_PATTERN, 'expected a duration such as "30s", "15m", "1h" or "1d"')
    .refine((value) => {
      const ms = seriesBucketMs(value)
      return ms !== undefined && ms >= SERIES_BUCKET_MS_MIN && ms <= SERIES_BUCKET_MS_MAX
    }, 'expected a duration from 10s to 7d')
    .optional()
    .describe('Aggregate the runs into buckets of this width ("15m", "1h"): each bucket carries the median and ' +
      'p95 of its runs\' figures instead of every run. Without it, every run is one point.'),
})
export type SeriesQuery = z.input<typeof SeriesQuery>

export const SeriesPoint = z.object({
  runId: z.string(),
  t: IsoTime,
  status: RunStatus,
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  errorRate: z.number().nullable(),
  rps: z.number().nullable(),
})
export type SeriesPoint = z.infer<typeof SeriesPoint>

/** The spread of one figure over the runs of a bucket; null when no run in it measured the figure. */
export const SeriesSpread = z.object({
  median: z.number().describe('Median over the bucket\'s runs'),
  p95: z.number().describe('95th percentile over the bucket\'s runs (linear interpolation)'),
}).nullable()
export type SeriesSpread = z.infer<typeof SeriesSpread>

/** The runs that started within one bucket `[t, t + bucketMs)`. */
export const SeriesBucket = z.object({
  t: IsoTime.describe('Start of the bucket'),
  runs: z.int().describe('Runs that started in the bucket, any status'),
  statuses: z.record(z.string(), z.int()).describe('How many of them ended in each status'),
  /** Only runs with figures (not running, aborted or erroring without measurements) enter the spreads. */
  measured: z.int().describe('Runs whose figures enter the spreads'),
  p50Ms: SeriesSpread,
  p95Ms: SeriesSpread,
  p99Ms: SeriesSpread,
  errorRate: SeriesSpread,
  rps: SeriesSpread,
})
export type SeriesBucket = z.infer<typeof SeriesBucket>

/** Every run as a point (no `bucket` asked for). */
export const SeriesPointsPage = z.object({ data: z.array(SeriesPoint) })
export type SeriesPointsPage = z.infer<typeof SeriesPointsPage>
/** Buckets, oldest first; empty buckets are left out. */
export const SeriesBucketsPage = z.object({
  bucketMs: z.int().describe('Width of each bucket in milliseconds'),
  data: z.array(SeriesBucket),
})
export type SeriesBucketsPage = z.infer<typeof SeriesBucketsPage>

export const Config = z.strictObject({
  k6DesiredAgentCount: z.int().min(0).max(DESIRED_AGENT_COUNT_MAX).describe('Desired number of agents'),
  /** Thresholds every site gets for the metric keys it does not set itself; built-in: http_req_failed rate<0.05. */
  defaultThresholds: z.record(z.string(), z.array(z.string())),
})
export type Config = z.infer<typeof Config>

/** `PUT /api/admin/config`: the fields to set; absent ones keep their value. */
export const ConfigUpdate = z.strictObject({
  k6DesiredAgentCount: z.int().min(0).max(DESIRED_AGENT_COUNT_MAX).optional().describe('Desired number of agents'),
  defaultThresholds: Thresholds.optional(),
}).refine((c) => Object.keys(c).length > 0, { message: 'expected at least one field to set' })
export type ConfigUpdate = z.input<typeof ConfigUpdate>

/** The answer to a config change: the saved config and what the fleet will do about it. */
export const ConfigSaved = Config.extend({
  note: z.string().nullable()
    .describe('Set when the change moves no agent, e.g. FLEET_SCALER=none, and what to do instead'),
})
export type ConfigSaved = z.infer<typeof ConfigSaved>

export const FleetStatus = z.object({
  scaler: z.enum(['process', 'compose', 'kubernetes', 'none']),
  desired: z.int(),
  /** Agents the scaler reports running (processes, containers, replicas); null when unknown. */
  running: z.int().nullable(),
  lastReconcileAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  /** Set when the desired count alone moves nothing: an HPA owns the replica count, or no scaler is configured. */
  note: z.string().nullable(),
})
export type FleetStatus = z.infer<typeof FleetStatus>

export const AuditEntry = z.object({
  id: z.int(),
  at: IsoTime,
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  /** What changed: `{ field: { from, to } }`, or the created/deleted object. Secrets appear by name only. */
  change: z.record(z.string(), z.unknown()),
  /** The client address the change came from; null when the control plane acted on its own. */
  address: z.string().nullable(),
})
export type AuditEntry = z.infer<typeof AuditEntry>

export const Pagination = z.object({ nextCursor: z.string().nullable(), limit: z.int() })

/** Every 4xx/5xx body. `details.issues` names each offending field. */
export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
})
export type ErrorBody = z.infer<typeof ErrorBody>
