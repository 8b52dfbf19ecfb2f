import { z } from 'zod'
import { parseAlertCondition } from './alert-condition.js'
import { TARGET_URL_MAX_CHARS, isHttpUrl } from './plain-checks.js'

const IsoTime = z.string().describe('ISO-8601 timestamp')
// Prometheus label names, so labels pass through to Alertmanager unchanged.
const LabelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a label name: letters, digits and "_", not starting with a digit')
const LabelValue = z.string().max(200)
// A bound on labels per object keeps alert payloads and fingerprints small.
const LABELS_MAX = 20

/** Free-form labels, as in Prometheus: copied onto every alert the rule raises. */
export const AlertLabels = z.record(LabelName, LabelValue)
  .refine((labels) => Object.keys(labels).length <= LABELS_MAX, { message: `expected at most ${LABELS_MAX} labels` })

export const AlertSeverity = z.enum(['critical', 'warning', 'info'])
export type AlertSeverity = z.infer<typeof AlertSeverity>

const AlertConditionText = z.string().max(200).superRefine((text, ctx) => {
  const parsed = parseAlertCondition(text)
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed })
}).describe('"p95 > 500ms", "error_rate > 5%", "p95 > +50%" (vs. baseline), "regression(p95)", "failed", "no_run > 3x"')

const RuleFields = {
  name: z.string().min(1).max(100).describe('Becomes the alert\'s `alertname` label'),
  condition: AlertConditionText,
  k: z.int().min(1).max(20).describe('Fires when the condition holds in k …'),
  m: z.int().min(1).max(20).describe('… of the last m finished runs'),
  severity: AlertSeverity,
  labels: AlertLabels.describe('Extra labels on each alert'),
  description: z.string().max(1000).describe('Becomes the `description` annotation'),
  targetId: z.string().min(1).max(64).nullable().describe('One site; null for every site the selector matches'),
  selector: AlertLabels.describe('Site labels a site must carry (all of them) for the rule to apply; {} = every site'),
  enabled: z.boolean(),
}

/** A custom alert rule. */
export const AlertRuleCreate = z.strictObject({
  name: RuleFields.name,
  condition: RuleFields.condition,
  k: RuleFields.k.default(1),
  m: RuleFields.m.default(1),
  severity: RuleFields.severity.default('warning'),
  labels: RuleFields.labels.default({}),
  description: RuleFields.description.default(''),
  targetId: RuleFields.targetId.default(null),
  selector: RuleFields.selector.default({}),
  enabled: RuleFields.enabled.default(true),
}).refine((rule) => rule.k <= rule.m, { message: 'k cannot exceed m', path: ['k'] })
export type AlertRuleCreate = z.input<typeof AlertRuleCreate>

/** A partial update of a rule; at least one field. */
export const AlertRulePatch = z.strictObject({
  name: RuleFields.name.optional(),
  condition: RuleFields.condition.optional(),
  k: RuleFields.k.optional(),
  m: RuleFields.m.optional(),
  severity: RuleFields.severity.optional(),
  labels: RuleFields.labels.optional(),
  description: RuleFields.description.optional(),
  targetId: RuleFields.targetId.optional(),
  selector: RuleFields.selector.optional(),
  enabled: RuleFields.enabled.optional(),
}).refine((patch) => Object.keys(patch).length > 0, { message: 'expected at least one field to change' })
  .refine((p) => p.k === undefined || p.m === undefined || p.k <= p.m, { message: 'k cannot exceed m', path: ['k'] })
export type AlertRulePatch = z.input<typeof AlertRulePatch>

export const AlertRule = z.object({
  id: z.string(),
  name: z.string(),
  condition: z.string(),
  k: z.int(),
  m: z.int(),
  severity: AlertSeverity,
  labels: z.record(z.string(), z.string()),
  description: z.string(),
  targetId: z.string().nullable(),
  selector: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  /** A default rule every installation has: it can be changed or disabled, not deleted. */
  builtIn: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type AlertRule = z.infer<typeof AlertRule>

export const AlertChannelType = z.enum(['webhook', 'slack', 'alertmanager'])
export type AlertChannelType = z.infer<typeof AlertChannelType>

const ChannelUrl = z.string().max(TARGET_URL_MAX_CHARS)
  .refine(isHttpUrl, { message: 'expected an absolute http:// or https:// URL' })
  .describe('Webhook URL; for Alertmanager its base URL (…/api/v2/alerts is added)')
const ChannelSecret = z.string().min(8).max(200)
  .describe('HMAC-SHA256 key for X-Loadfleet-Signature (webhook only); never returned')
const DAY_MS = 86_400_000

const ChannelFields = {
  name: z.string().min(1).max(100).describe('Becomes `receiver` in the payload'),
  enabled: z.boolean(),
  sendResolved: z.boolean().describe('Also notify when an incident resolves'),
  groupWaitMs: z.int().min(0).max(DAY_MS).describe('Wait this long after an incident starts before notifying, to batch its alerts'),
  groupIntervalMs: z.int().min(1000).max(DAY_MS).describe('Least time between notifications for changes within one incident'),
  repeatIntervalMs: z.int().min(0).max(7 * DAY_MS).describe('Remind of a still-firing incident this often; 0 = never'),
}

/** A notification channel: where alerts of every site are sent. */
export const AlertChannelCreate = z.strictObject({
  name: ChannelFields.name,
  type: AlertChannelType,
  url: ChannelUrl,
  secret: ChannelSecret.optional(),
  enabled: ChannelFields.enabled.default(true),
  sendResolved: ChannelFields.sendResolved.default(true),
  groupWaitMs: ChannelFields.groupWaitMs.default(0),
  groupIntervalMs: ChannelFields.groupIntervalMs.default(300_000),
  repeatIntervalMs: ChannelFields.repeatIntervalMs.optional(),
}).refine((c) => c.secret === undefined || c.type === 'webhook', {
  message: 'only webhook channels are signed; leave secret out', path: ['secret'],
})
export type AlertChannelCreate = z.input<typeof AlertChannelCreate>

/** A partial update of a channel; `secret: null` removes the secret. */
export const AlertChannelPatch = z.strictObject({
  name: ChannelFields.name.optional(),
  url: ChannelUrl.optional(),
  secret: ChannelSecret.nullable().optional(),
  enabled: ChannelFields.enabled.optional(),
  sendResolved: ChannelFields.sendResolved.optional(),
  groupWaitMs: ChannelFields.groupWaitMs.optional(),
  groupIntervalMs: ChannelFields.groupIntervalMs.optional(),
  repeatIntervalMs: ChannelFields.repeatIntervalMs.optional(),
}).refine((patch) => Object.keys(patch).length > 0, { message: 'expected at least one field to change' })
export type AlertChannelPatch = z.input<typeof AlertChannelPatch>

export const AlertChannel = z.object({
  id: z.string(),
  name: z.string(),
  type: AlertChannelType,
  /** The URL; a Slack webhook URL is itself a secret, so only its origin is shown. */
  url: z.string(),
  secretSet: z.boolean(),
  enabled: z.boolean(),
  sendResolved: z.boolean(),
  groupWaitMs: z.int(),
  groupIntervalMs: z.int(),
  repeatIntervalMs: z.int(),
  /** Notifications waiting in the outbox (first attempt or retry) and given up on. */
  pendingNotifications: z.int(),
  failedNotifications: z.int(),
  lastError: z.string().nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type AlertChannel = z.infer<typeof AlertChannel>

/** The result of "send test notification". */
export const AlertChannelTestResult = z.object({
  delivered: z.boolean(),
  /** The receiver's HTTP status, or null when it could not be reached. */
  httpStatus: z.int().nullable(),
  error: z.string().nullable(),
})
export type AlertChannelTestResult = z.infer<typeof AlertChannelTestResult>

export const SilenceMatcher = z.strictObject({
  name: LabelName,
  value: LabelValue,
  isEqual: z.boolean().default(true).describe('false: the label must differ from value'),
})

/** A silence or maintenance window: matching alerts still change state but send no notification. */
export const SilenceCreate = z.strictObject({
  matchers: z.array(SilenceMatcher).min(1).max(LABELS_MAX)
    .describe('All must match an alert\'s labels, e.g. [{ "name": "site_id", "value": "…" }]'),
  startsAt: IsoTime.optional().describe('Default: now; a later start makes a maintenance window'),
  endsAt: IsoTime,
  comment: z.string().max(500).default(''),
}).superRefine((s, ctx) => {
  const starts = s.startsAt === undefined ? Date.now() : Date.parse(s.startsAt)
  const ends = Date.parse(s.endsAt)
  if (s.startsAt !== undefined && Number.isNaN(starts)) ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 time', path: ['startsAt'] })
  if (Number.isNaN(ends)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 time', path: ['endsAt'] })
  } else if (ends <= Math.max(starts, Date.now())) {
    ctx.addIssue({ code: 'custom', message: 'expected a time after startsAt and in the future', path: ['endsAt'] })
  }
})
export type SilenceCreate = z.input<typeof SilenceCreate>

export const Silence = z.object({
  id: z.string(),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isEqual: z.boolean() })),
  startsAt: IsoTime,
  endsAt: IsoTime,
  comment: z.string(),
  createdBy: z.string(),
  createdAt: IsoTime,
  /** `pending` before startsAt, `active` within the window, `expired` after it (or deleted). */
  state: z.enum(['pending', 'active', 'expired']),
})
export type Silence = z.infer<typeof Silence>

/**
 * - `pending`: the condition holds in the latest run, but not yet in k of the last m.
 * - `firing`: it holds in k of the last m runs (or the detector holds a change, or no run came).
 * - `resolved`: it stopped holding; kept as history.
 */
export const AlertState = z.enum(['pending', 'firing', 'resolved'])
export type AlertState = z.infer<typeof AlertState>

export const Alert = z.object({
  id: z.string(),
  /** Stable per rule and site: the same incident keeps it across restarts. */
  fingerprint: z.string(),
  ruleId: z.string(),
  targetId: z.string(),
  state: AlertState,
  severity: AlertSeverity,
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  pendingAt: IsoTime,
  firingAt: IsoTime.nullable(),
  resolvedAt: IsoTime.nullable(),
  /** Ids of the active silences that mute it. */
  silencedBy: z.array(z.string()),
})
export type Alert = z.infer<typeof Alert>

export const AlertsOverview = z.object({
  firing: z.array(Alert),
  pending: z.array(Alert),
  /** The most recently resolved alerts, newest first. */
  resolved: z.array(Alert),
})
export type AlertsOverview = z.infer<typeof AlertsOverview>
