import { z } from 'zod'
import { readCheckOptions } from '@loadfleet/core/base'
import { RUN_INTERVAL_MS_MAX, RUN_INTERVAL_MS_MIN, RUN_STATUSES, TARGET_LABEL_MAX_CHARS } from './plain-checks.js'
import { AgentName, HttpUrl, RunId, StoredText, TargetLabels } from './schemas.js'

// A browser check costs a Chromium for seconds: checking more often than every 30 s is load, not monitoring.
export const BROWSER_INTERVAL_MS_MIN = Math.max(RUN_INTERVAL_MS_MIN, 30_000)
// A JPEG at quality 60 of a 1366×768 page is 50–200 kB; the bound leaves room for tall, busy pages.
export const SCREENSHOT_MAX_BYTES = 2 * 1024 * 1024
const RESULT_MAX_BYTES = 512 * 1024
const IsoTime = z.string().describe('ISO-8601 timestamp')

/**
 * What a browser check does beyond loading the URL, in the steps file's form (`loadfleet check --steps`):
 * `{ steps: [{ click: '#buy' }, { expectText: 'Thanks' }], device: 'mobile', timeout: '30s' }`. Checked with the
 * same rules, so a site's check reads exactly as a file would.
 */
export const BrowserCheck = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  for (const { path, message } of readCheckOptions(value).problems) ctx.addIssue({ code: 'custom', path, message })
}).describe('Steps, device, viewport, timeout, stepTimeout, insecureSkipTlsVerify, screenshot — as in a steps file')

/** What an admin declares about a page to check in a browser. */
export const BrowserSiteCreate = z.strictObject({
  url: HttpUrl,
  label: StoredText(TARGET_LABEL_MAX_CHARS).default(''),
  check: BrowserCheck.default({}),
  runIntervalMs: z.int().min(BROWSER_INTERVAL_MS_MIN).max(RUN_INTERVAL_MS_MAX).default(300_000)
    .describe('How often the check runs (one browser agent runs it each time)'),
  enabled: z.boolean().default(true),
  labels: TargetLabels.default({}),
})
export type BrowserSiteCreate = z.input<typeof BrowserSiteCreate>

/** A partial update of a browser site; at least one field. */
export const BrowserSitePatch = z.strictObject({
  url: HttpUrl.optional(),
  label: StoredText(TARGET_LABEL_MAX_CHARS).optional(),
  check: BrowserCheck.optional(),
  runIntervalMs: z.int().min(BROWSER_INTERVAL_MS_MIN).max(RUN_INTERVAL_MS_MAX).optional(),
  enabled: z.boolean().optional(),
  labels: TargetLabels.optional(),
}).refine((patch) => Object.keys(patch).length > 0, { message: 'expected at least one field to change' })
export type BrowserSitePatch = z.input<typeof BrowserSitePatch>

export const BrowserSite = z.object({
  id: z.string(),
  url: z.string(),
  label: z.string(),
  check: z.record(z.string(), z.unknown()),
  runIntervalMs: z.int(),
  enabled: z.boolean(),
  labels: z.record(z.string(), z.string()),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type BrowserSite = z.infer<typeof BrowserSite>

const Vital = z.object({ value: z.number(), rating: z.enum(['good', 'needs-improvement', 'poor']) })

/** The figures of one check, as `@loadfleet/browser` measures them (see BrowserCheckResult in core). */
export const BrowserResult = z.object({
  status: z.enum(['passed', 'failed', 'error']),
  reason: z.string().max(4000).nullable(),
  httpStatus: z.int().nullable(),
  navigation: z.object({ loadMs: z.number() }).loose().nullable(),
  vitals: z.object({ lcp: Vital, cls: Vital, fcp: Vital, ttfb: Vital, tbt: Vital }).partial(),
  tls: z.object({ protocol: z.string(), daysUntilExpiry: z.number() }).loose().nullable(),
  consoleErrors: z.array(z.string()),
  pageErrors: z.array(z.string()),
}).loose().superRefine((value, ctx) => {
  if (new TextEncoder().encode(JSON.stringify(value)).length > RESULT_MAX_BYTES) {
    ctx.addIssue({ code: 'custom', message: `larger than ${RESULT_MAX_BYTES} bytes as JSON` })
  }
})
export type BrowserResult = z.infer<typeof BrowserResult>

/** The last run of a site, as the sites list shows it. */
export const BrowserSiteWithLast = BrowserSite.extend({
  lastRun: z.object({
    id: z.string(), status: z.enum(RUN_STATUSES), startedAt: IsoTime, failureReason: z.string().nullable(),
    lcpMs: z.number().nullable(), cls: z.number().nullable(), tlsDaysUntilExpiry: z.number().nullable(),
  }).nullable(),
})
export type BrowserSiteWithLast = z.infer<typeof BrowserSiteWithLast>

/** A browser site as its agents receive it. */
export const AgentBrowserSite = BrowserSite.extend({ lastStartedAt: IsoTime.nullable() })
export type AgentBrowserSite = z.infer<typeof AgentBrowserSite>

export const BrowserRunStart = z.strictObject({
  id: RunId,
  siteId: z.string().min(1).max(64),
  startedAt: IsoTime.optional(),
})
export type BrowserRunStart = z.input<typeof BrowserRunStart>

/** A browser agent reports a check; the same report twice is stored once. */
export const BrowserRunFinish = z.strictObject({
  status: z.enum(['passed', 'failed', 'error', 'aborted']),
  finishedAt: IsoTime.optional(),
  errorMessage: StoredText(4000).nullable().default(null),
  result: BrowserResult.nullable().default(null),
  /** A JPEG or PNG of the page (base64), taken when the check failed or when the site asks for one every time. */
  screenshot: z.strictObject({
    format: z.enum(['png', 'jpeg']),
    data: z.base64().max(Math.ceil(SCREENSHOT_MAX_BYTES / 3) * 4),
  }).nullable().default(null),
})
export type BrowserRunFinish = z.input<typeof BrowserRunFinish>

export const BrowserRun = z.object({
  id: z.string(),
  siteId: z.string(),
  siteLabel: z.string().nullable(),
  siteUrl: z.string().nullable(),
  agentName: z.string(),
  status: z.enum(RUN_STATUSES),
  startedAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  /** The check's reason when it failed, or why it could not run. */
  failureReason: z.string().nullable(),
  lcpMs: z.number().nullable(),
  cls: z.number().nullable(),
  ttfbMs: z.number().nullable(),
  loadMs: z.number().nullable(),
  tlsDaysUntilExpiry: z.number().nullable(),
  hasScreenshot: z.boolean(),
})
export type BrowserRun = z.infer<typeof BrowserRun>

/** A run with everything the check measured. */
export const BrowserRunDetail = BrowserRun.extend({ result: z.record(z.string(), z.unknown()).nullable() })
export type BrowserRunDetail = z.infer<typeof BrowserRunDetail>

export const BrowserRunsQuery = z.strictObject({
  siteId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export { AgentName }
