import { z } from 'zod'
import { parseDurationMs } from '../duration.js'
import { BUILTIN_METRICS } from '../k6-summary/builtin-metrics.js'
import { parseMetricSelector, parseThreshold, statProblem } from './threshold-expression.js'

/** Trend stats shown when the test does not choose: k6's defaults plus p(99), which k6 hides. */
export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']
/** Sent when a request step sets no user-agent header of its own. */
export const DEFAULT_USER_AGENT = 'Loadfleet/0.1 (k6-compatible load tester)'
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const TREND_STAT_RE = /^(avg|min|med|max|count|p\(\d+(\.\d+)?\))$/
// RFC 7230 token for header names; values may not carry CR/LF (header injection).
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A k6 duration: "30s", "1m30s", "250ms", or a number of ms; becomes ms. */
function duration (opts: { positive?: boolean } = {}) {
  return z.unknown().transform((input, ctx): number => {
    const ms = typeof input === 'string' || typeof input === 'number' ? parseDurationMs(input) : undefined
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', input, message: `expected a duration like 30s or 1m30s, got ${show(input)}` })
      return z.NEVER
    }
    if (opts.positive === true && ms <= 0) {
      ctx.issues.push({ code: 'custom', input, message: `expected a duration greater than 0, got ${show(input)}` })
      return z.NEVER
    }
    return ms
  })
}

/** Renders a rejected value for a message: strings quoted, everything else as JSON. */
export function show (input: unknown): string {
  if (typeof input === 'string') return `'${input.length > 80 ? `${input.slice(0, 77)}...` : input}'`
  if (input === undefined) return 'nothing'
  return JSON.stringify(input) ?? typeof input
}

const count = (min: number, what: string) => z.int({ error: (iss) => `expected ${what}, got ${show(iss.input)}` })
  .min(min, { error: (iss) => `expected ${what}, got ${show(iss.input)}` })

const httpUrl = z.unknown().transform((input, ctx): string => {
  let url: URL | undefined
  try {
    url = typeof input === 'string' ? new URL(input) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    ctx.issues.push({ code: 'custom', input, message: `expected an http:// or https:// URL, got ${show(input)}` })
    return z.NEVER
  }
  return input as string
})

const stage = z.strictObject({
  duration: duration(),
  target: count(0, 'a target number of VUs (integer ≥ 0)'),
})

const scenarioBase = {
  startTime: duration().default(0).describe('Delay from the test start before this scenario begins'),
  gracefulStop: duration().default(30_000).describe('Time running iterations get to finish after the end'),
}

const scenarioShapes = {
  'constant-vus': { ...scenarioBase, vus: count(1, 'a number of VUs (integer ≥ 1)').default(1), duration: duration({ positive: true }) },
  'ramping-vus': {
    ...scenarioBase,
    startVUs: count(0, 'a number of VUs (integer ≥ 0)').default(1),
    stages: z.array(stage).min(1, 'expected at least one stage'),
    gracefulRampDown: duration().default(30_000),
  },
  'per-vu-iterations': {
    ...scenarioBase,
    vus: count(1, 'a number of VUs (integer ≥ 1)').default(1),
    iterations: count(1, 'a number of iterations (integer ≥ 1)').default(1),
    maxDuration: duration({ positive: true }).default(600_000),
  },
  'shared-iterations': {
    ...scenarioBase,
    vus: count(1, 'a number of VUs (integer ≥ 1)').default(1),
    iterations: count(1, 'a number of iterations (integer ≥ 1)').default(1),
    maxDuration: duration({ positive: true }).default(600_000),
  },
  'constant-arrival-rate': {
    ...scenarioBase,
    rate: count(1, 'a rate of iterations per timeUnit (integer ≥ 1)'),
    timeUnit: duration({ positive: true }).default(1000),
    duration: duration({ positive: true }),
    preAllocatedVUs: count(1, 'a number of VUs (integer ≥ 1)'),
    maxVUs: count(1, 'a number of VUs (integer ≥ 1)').optional(),
  },
  'ramping-arrival-rate': {
    ...scenarioBase,
    startRate: count(0, 'a rate of iterations per timeUnit (integer ≥ 0)').default(0),
    timeUnit: duration({ positive: true }).default(1000),
    stages: z.array(stage).min(1, 'expected at least one stage'),
    preAllocatedVUs: count(1, 'a number of VUs (integer ≥ 1)'),
    maxVUs: count(1, 'a number of VUs (integer ≥ 1)').optional(),
  },
}

/** Executors Loadfleet runs; the others k6 has are rejected by name. */
export const SUPPORTED_EXECUTORS = Object.keys(scenarioShapes)

const scenario = z.discriminatedUnion('executor', [
  z.strictObject({ executor: z.literal('constant-vus'), ...scenarioShapes['constant-vus'] }),
  z.strictObject({ executor: z.literal('ramping-vus'), ...scenarioShapes['ramping-vus'] }),
  z.strictObject({ executor: z.literal('per-vu-iterations'), ...scenarioShapes['per-vu-iterations'] }),
  z.strictObject({ executor: z.literal('shared-iterations'), ...scenarioShapes['shared-iterations'] }),
  z.strictObject({ executor: z.literal('constant-arrival-rate'), ...scenarioShapes['constant-arrival-rate'] }),
  z.strictObject({ executor: z.literal('ramping-arrival-rate'), ...scenarioShapes['ramping-arrival-rate'] }),
], {
  error: (iss) => iss.code === 'invalid_union' ? executorMessage(iss.input) : undefined,
})

/** k6 executors Loadfleet does not run; named so the message says so instead of calling them typos. */
const UNSUPPORTED_EXECUTORS = ['externally-controlled']

function executorMessage (input: unknown): string {
  const executor = typeof input === 'object' && input !== null ? (input as { executor?: unknown }).executor : input
  const supported = `expected one of ${SUPPORTED_EXECUTORS.join(', ')}`
  if (typeof executor === 'string' && UNSUPPORTED_EXECUTORS.includes(executor)) {
    return `the k6 executor '${executor}' is not supported; ${supported}`
  }
  return `${supported}, got ${show(executor)}`
}

const thresholdExpression = z.string().superRefine((text, ctx) => {
  const parsed = parseThreshold(text)
  if (parsed.error !== undefined) ctx.addIssue({ code: 'custom', message: parsed.error })
})

const threshold = z.union([
  thresholdExpression,
  z.strictObject({
    threshold: thresholdExpression,
    abortOnFail: z.boolean().default(false),
    delayAbortEval: duration().default(0),
  }),
], { error: () => "expected a threshold expression like 'p(95)<500' or { threshold, abortOnFail, delayAbortEval }" })

/** Checks a threshold key and, when the metric is known, each expression's aggregation against its type. */
const thresholds = z.record(z.string(), z.array(threshold)).superRefine((record, ctx) => {
  for (const [key, list] of Object.entries(record)) {
    const selector = parseMetricSelector(key)
    if (selector.error !== undefined || selector.value === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: selector.error ?? 'bad metric' })
      continue
    }
    const info = BUILTIN_METRICS[selector.value.metric]
    if (info === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `no metric named '${selector.value.metric}'; known metrics: ${Object.keys(BUILTIN_METRICS).join(', ')}` })
      continue
    }
    list.forEach((item, i) => {
      const stat = parseThreshold(typeof item === 'string' ? item : item.threshold).value?.stat
      const problem = stat === undefined ? undefined : statProblem(stat, info.type, selector.value?.metric ?? key)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key, i], message: problem })
    })
  }
})

/** k6's option names that Loadfleet accepts. */
export const OptionsSchema = z.strictObject({
  vus: count(0, 'a number of VUs (integer ≥ 0)').optional(),
  duration: duration({ positive: true }).optional(),
  iterations: count(1, 'a number of iterations (integer ≥ 1)').optional(),
  stages: z.array(stage).min(1, 'expected at least one stage').optional(),
  scenarios: z.record(z.string().regex(/^[0-9a-zA-Z_-]+$/, 'scenario names may use letters, digits, _ and -'), scenario).optional(),
  thresholds: thresholds.optional(),
  insecureSkipTLSVerify: z.boolean().default(false),
  maxRedirects: count(0, 'a number of redirects (integer ≥ 0)').default(10),
  userAgent: z.string().default(DEFAULT_USER_AGENT),
  summaryTrendStats: z.array(z.string().regex(TREND_STAT_RE, 'expected avg, min, med, max, count or p(N)')).min(1).default(DEFAULT_TREND_STATS),
})

const headerValue = z.union([z.string(), z.number()]).transform(String)
  .refine((v) => !/[\r\n\0]/.test(v), 'header values may not contain line breaks')

/** One request step of an iteration. */
export const RequestSchema = z.strictObject({
  name: z.string().min(1).optional().describe('Used as the name tag; defaults to the URL'),
  method: z.string().transform((m) => m.toUpperCase())
    .refine((m) => HTTP_METHODS.includes(m), `expected one of ${HTTP_METHODS.join(', ')}`).default('GET'),
  url: httpUrl,
  headers: z.record(z.string().regex(HEADER_NAME_RE, 'not a valid header name'), headerValue).default({}),
  body: z.string().optional(),
  json: z.unknown().optional(),
  expect: z.strictObject({
    status: z.array(z.int().min(100).max(599)).min(1, 'expected at least one status code'),
  }).optional(),
  timeout: duration({ positive: true }).default(60_000),
})

/** The whole test file. */
export const TestFileSchema = z.strictObject({
  options: OptionsSchema.default(OptionsSchema.parse({})),
  requests: z.array(RequestSchema).min(1, 'expected at least one request step'),
  sleep: duration().default(0).describe('Think time after each iteration'),
})

export type TestFile = z.output<typeof TestFileSchema>
export type TestFileOptions = z.output<typeof OptionsSchema>
export type TestFileRequest = z.output<typeof RequestSchema>
export type TestFileScenario = z.output<typeof scenario>
