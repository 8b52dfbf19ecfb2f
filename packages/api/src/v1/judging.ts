import { z } from 'zod'
import { BUILTIN_METRICS, parseMetricSelector, parseThreshold, statProblem } from '@loadfleet/core'
import { EXPECTED_STATUSES_MAX_ITEMS, expectedStatusProblem } from './expected-statuses.js'

// Schemas of judging runs: thresholds, expected statuses, verdicts, baselines and detected changes.

const IsoTime = z.string().describe('ISO-8601 timestamp')

/** The threshold every site gets unless it (or the admin config) says otherwise: at most 5 % failed requests. */
export const DEFAULT_THRESHOLDS: Readonly<Record<string, readonly string[]>> = { http_req_failed: ['rate<0.05'] }
const THRESHOLD_KEYS_MAX = 20
const THRESHOLD_EXPRESSIONS_MAX = 10
const THRESHOLD_TEXT_MAX_CHARS = 200

/**
 * k6 thresholds: metric (optionally with a tag filter) → expressions, e.g.
 * `{"http_req_duration":["p(95)<500"],"http_req_failed":["rate<0.01"]}`. Checked with the test-file parser's rules:
 * a known metric, an aggregation that metric has, one of < <= > >= == !=, a number.
 */
export const Thresholds = z.record(
  z.string().max(THRESHOLD_TEXT_MAX_CHARS),
  z.array(z.string().max(THRESHOLD_TEXT_MAX_CHARS)).max(THRESHOLD_EXPRESSIONS_MAX),
).superRefine((record, ctx) => {
  const keys = Object.keys(record)
  if (keys.length > THRESHOLD_KEYS_MAX) {
    ctx.addIssue({ code: 'custom', message: `at most ${THRESHOLD_KEYS_MAX} metrics may carry thresholds` })
  }
  for (const key of keys) {
    const selector = parseMetricSelector(key).value
    const info = selector === undefined ? undefined : BUILTIN_METRICS[selector.metric]
    if (selector === undefined || info === undefined) {
      const problem = parseMetricSelector(key).error ?? `no metric named '${selector?.metric ?? key}'`
      ctx.addIssue({ code: 'custom', path: [key], message: `${problem}; known metrics: ${Object.keys(BUILTIN_METRICS).join(', ')}` })
      continue
    }
    ;(record[key] ?? []).forEach((expression, i) => {
      const parsed = parseThreshold(expression)
      const problem = parsed.error ?? (parsed.value === undefined ? 'bad threshold' : statProblem(parsed.value.stat, info.type, selector.metric))
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key, i], message: problem })
    })
  }
}).describe('k6 thresholds, metric → expressions: {"http_req_duration":["p(95)<500"]}; a key replaces the default for that key, [] removes it')
export type Thresholds = z.infer<typeof Thresholds>

/** `[200, 201]`, `["200-299", 404]`; the default is `["200-399"]`. */
export const ExpectedStatuses = z.array(z.union([z.int(), z.string().max(16)]).superRefine((item, ctx) => {
  const problem = expectedStatusProblem(item)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})).min(1, 'expected at least one status or range').max(EXPECTED_STATUSES_MAX_ITEMS)
  .describe('Statuses counted as success: codes (201) and inclusive ranges ("200-299"); default ["200-399"]')
export type ExpectedStatuses = z.infer<typeof ExpectedStatuses>

/** One threshold as the control plane judged it. */
export const ThresholdResult = z.object({
  metric: z.string(),
  expression: z.string(),
  /** The observed value of the expression's aggregation (ms for time metrics), null when the run has none. */
  observed: z.number().nullable(),
  ok: z.boolean(),
  /** Where the threshold came from: the site's own, or the defaults (admin config or built-in). */
  source: z.enum(['site', 'default']),
})
export type ThresholdResult = z.infer<typeof ThresholdResult>

/** How the control plane judged a finished run. */
export const RunVerdict = z.object({
  thresholds: z.array(ThresholdResult),
  requests: z.int().nullable(),
  /** Requests that failed: a status outside `expectedStatuses`, or no response at all. */
  failedRequests: z.int().nullable(),
  /** Why the run is `failed` (or `error`), in words; null when it passed. */
  reason: z.string().nullable(),
})
export type RunVerdict = z.infer<typeof RunVerdict>

export const ChangeState = z.enum(['open', 'resolved', 'accepted'])
export type ChangeState = z.infer<typeof ChangeState>

/**
 * A change the detector found in a site's runs. One row while it persists; `resolved` once the detector no longer
 * sees it, `accepted` when a user took it as the new normal (the baseline then restarts after it).
 */
export const Change = z.object({
  id: z.string(),
  targetId: z.string(),
  metric: z.string(),
  direction: z.enum(['increase', 'decrease']),
  state: ChangeState,
  startedRunId: z.string(),
  startedAt: IsoTime,
  detectedAt: IsoTime,
  detectedRunId: z.string(),
  resolvedAt: IsoTime.nullable(),
  acceptedAt: IsoTime.nullable(),
  /** The detector's explanation: before/after values, relative change, effect size, statistic, p-value, runs. */
  details: z.record(z.string(), z.unknown()),
})
export type Change = z.infer<typeof Change>

export const ChangesQuery = z.strictObject({
  state: ChangeState.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** Pin a baseline: either chosen runs of the site, or the site's finished runs within a time range. */
export const BaselinePin = z.strictObject({
  runIds: z.array(z.string().min(1).max(64)).min(1).max(200).optional().describe('Runs of this site'),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
}).superRefine((pin, ctx) => {
  const byRuns = pin.runIds !== undefined
  const byRange = pin.from !== undefined || pin.to !== undefined
  if (byRuns === byRange) {
    ctx.addIssue({ code: 'custom', path: ['runIds'], message: 'give either runIds or a time range (from and to), not both' })
  }
  if (byRange && (pin.from === undefined || pin.to === undefined)) {
    ctx.addIssue({ code: 'custom', path: [pin.from === undefined ? 'from' : 'to'], message: 'a time range needs both from and to' })
  }
})
export type BaselinePin = z.input<typeof BaselinePin>

/**
 * How one latency figure (a run's p95, say) spread over the baseline runs, ms: the site chart shades p25–p75 as the
 * usual range. Quartiles, not min/max, so one slow baseline run does not widen the band; min/max are there too.
 */
export const BaselineSpread = z.object({
  median: z.number(),
  p25: z.number(),
  p75: z.number(),
  min: z.number(),
  max: z.number(),
  /** Baseline runs that had the figure. */
  runs: z.int(),
})
export type BaselineSpread = z.infer<typeof BaselineSpread>

/** A site's baseline: rolling (recent runs outside any change) unless a user pinned one. */
export const TargetBaseline = z.object({
  targetId: z.string(),
  mode: z.enum(['rolling', 'pinned']),
  /** The pinned runs, or the runs of the pinned range, or the rolling window now in use. */
  runIds: z.array(z.string()),
  from: IsoTime.nullable(),
  to: IsoTime.nullable(),
  /** When a change was last accepted: the rolling baseline only uses runs after it. */
  acceptedAt: IsoTime.nullable(),
  /** The baseline runs' p50, p95 and p99 (ms): each null when no baseline run has it. */
  latencyMs: z.object({
    p50: BaselineSpread.nullable(),
    p95: BaselineSpread.nullable(),
    p99: BaselineSpread.nullable(),
  }),
})
export type TargetBaseline = z.infer<typeof TargetBaseline>

/** A run beside its site's baseline, one line per metric the detector compares. */
export const BaselineComparison = z.object({
  mode: z.enum(['rolling', 'pinned']),
  runIds: z.array(z.string()),
  metrics: z.array(z.object({
    metric: z.string(),
    baseline: z.object({ median: z.number(), p95: z.number() }),
    value: z.number(),
    relativeChange: z.number(),
  })),
})
export type BaselineComparison = z.infer<typeof BaselineComparison>

/** An open change as the Sites page shows it. */
export const OpenChange = z.object({
  id: z.string(),
  metric: z.string(),
  direction: z.enum(['increase', 'decrease']),
  relativeChange: z.number().nullable(),
})
export type OpenChange = z.infer<typeof OpenChange>
