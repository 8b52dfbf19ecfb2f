import { z } from 'zod'
import { parseDurationMs } from '../duration.js'
import { BUILTIN_METRICS } from '../k6-summary/builtin-metrics.js'
import { parseEgressRule } from '../egress.js'
import { parseMetricSelector, parseThreshold, statProblem } from '../test-file/threshold-expression.js'
import { show } from '../test-file/schema.js'

/** The `apiVersion` every App manifest carries. */
export const APP_API_VERSION = 'loadfleet.dev/v1'

// App and test names become site labels (`app=…`, `test=…`) and CLI arguments: DNS-label-like, as Argo names apps.
const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
// The control plane's label names: letters, digits and "_", not starting with a digit.
const LABEL_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const SECRET_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const STATUS_RANGE_RE = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/
// `<=+10%` (relative to the baseline) or `<500` (absolute, ms for latencies).
const CRITERION_RE = /^(<=|<|>=|>)\s*(?:[+-]\d+(?:\.\d+)?%|\d+(?:\.\d+)?)$/

/** Figures a gate criterion may name. */
export const GATE_METRICS = ['p50', 'p90', 'p95', 'p99', 'avg', 'error_rate', 'rps'] as const
/** What each role lets its members do with an app's tests. */
export const APP_ROLES = ['view', 'edit', 'run'] as const

const name = (what: string) => z.string().regex(NAME_RE,
  `expected ${what}: 1-63 lower-case letters, digits and "-", starting and ending with a letter or digit`)

function duration (what: string) {
  return z.unknown().transform((input, ctx): number => {
    const ms = typeof input === 'string' || typeof input === 'number' ? parseDurationMs(input) : undefined
    if (ms === undefined || ms <= 0) {
      ctx.issues.push({ code: 'custom', input, message: `expected ${what} like 30s or 1m30s, got ${show(input)}` })
      return z.NEVER
    }
    return ms
  })
}

/** k6 thresholds, metric → expressions; checked as the control plane checks a site's. */
const thresholds = z.record(z.string(), z.array(z.string())).superRefine((record, ctx) => {
  for (const [key, list] of Object.entries(record)) {
    const selector = parseMetricSelector(key)
    const metric = selector.value?.metric
    const info = metric === undefined ? undefined : BUILTIN_METRICS[metric]
    if (metric === undefined || info === undefined) {
      const problem = selector.error ?? `no metric named '${metric ?? key}'`
      ctx.addIssue({ code: 'custom', path: [key], message: `${problem}; known metrics: ${Object.keys(BUILTIN_METRICS).join(', ')}` })
      continue
    }
    list.forEach((expression, i) => {
      const parsed = parseThreshold(expression)
      const stat = parsed.value?.stat
      const problem = parsed.error ?? (stat === undefined ? undefined : statProblem(stat, info.type, metric))
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key, i], message: problem })
    })
  }
}).describe('k6 thresholds by metric; merged per metric down the tree, [] removes an inherited one')

const expectedStatuses = z.array(z.union([z.int().min(100).max(599), z.string().superRefine((text, ctx) => {
  const match = STATUS_RANGE_RE.exec(text)
  if (match === null || (match[2] !== undefined && Number(match[2]) < Number(match[1]))) {
    ctx.addIssue({ code: 'custom', message: `expected a status (200) or an inclusive range ("200-299"), got ${show(text)}` })
  }
})])).min(1, 'expected at least one status or range')

const headers = z.record(z.string().regex(HEADER_NAME_RE, 'not a valid header name'),
  z.string().refine((v) => !/[\r\n\0]/.test(v), 'header values may not contain line breaks'))
  .describe('Request headers; `${secrets.NAME}` refers to a secret the app declares')

/** Settings a test takes from its app's defaults when it does not set them. */
const settings = {
  vus: z.int().min(1).max(10_000).optional().describe('Virtual users per run'),
  duration: duration('a duration').optional().describe('Length of a run, e.g. 30s'),
  interval: duration('an interval').optional().describe('How often the fleet runs the test, e.g. 5m'),
  thresholds: thresholds.optional(),
  headers: headers.optional(),
  expectedStatuses: expectedStatuses.optional().describe('Statuses counted as success; default ["200-399"]'),
  schedule: z.enum(['continuous', 'on-demand']).optional()
    .describe('continuous: the fleet runs it every interval; on-demand: only gates and explicit runs start it'),
}

export const AppDefaults = z.strictObject(settings)

/** One named test: a URL loaded with the settings, a YAML test file, or a k6 script. */
export const AppTest = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  file: z.string().min(1).optional().describe('A YAML test file, relative to this manifest'),
  script: z.string().min(1).optional().describe('A k6 script, relative to this manifest'),
  ...settings,
}).superRefine((test, ctx) => {
  const given = (['url', 'file', 'script'] as const).filter((key) => test[key] !== undefined)
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: given.length === 0
      ? "expected one of 'url', 'file' or 'script'"
      : `set only one of 'url', 'file' or 'script', not ${given.map((k) => `'${k}'`).join(' and ')}` })
  }
})

const egressRule = z.string().superRefine((text, ctx) => {
  if (parseEgressRule(text, 'TARGET_ALLOW') === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a host, *.domain, IP address or CIDR with an optional :port, got ${show(text)}` })
  }
})

export const AppGate = z.strictObject({
  tests: z.array(name('a test name')).min(1).optional().describe('Tests that gate a deploy; default all'),
  criteria: z.partialRecord(z.enum(GATE_METRICS), z.string().regex(CRITERION_RE,
    'expected a criterion like "<500" (absolute) or "<=+10%" (relative to the previous passing revision)'))
    .optional(),
})

export const AppManifest = z.strictObject({
  apiVersion: z.literal(APP_API_VERSION, { error: `expected '${APP_API_VERSION}'` }),
  kind: z.literal('App', { error: "expected 'App'" }),
  metadata: z.strictObject({
    name: name('an app name'),
    labels: z.record(z.string().regex(LABEL_NAME_RE, 'expected a label name: letters, digits and "_"'),
      z.string().max(200)).optional(),
  }),
  spec: z.strictObject({
    children: z.array(z.string().min(1)).optional()
      .describe('Child manifests: files, or directories holding an app.yaml, relative to this file'),
    dependsOn: z.array(name('a sibling app name')).optional(),
    defaults: AppDefaults.optional(),
    tests: z.record(name('a test name'), AppTest).optional(),
    gate: AppGate.optional(),
    roles: z.partialRecord(z.enum(APP_ROLES), z.array(z.string().min(1))).optional()
      .describe('Who may view, edit and run; a child may only narrow its parent\'s lists'),
    secrets: z.array(z.string().regex(SECRET_NAME_RE, 'expected a secret name (letters, digits, "_"); values never go in a manifest'))
      .optional(),
    egress: z.array(egressRule).optional()
      .describe('Hosts and ports the tests may reach; a child may only narrow its parent\'s'),
  }).default({}),
})
export type AppManifest = z.output<typeof AppManifest>
export type AppTestSpec = z.output<typeof AppTest>
export type AppDefaultsSpec = z.output<typeof AppDefaults>

/** Keys allowed at each mapping of a manifest, for "unknown key" messages. */
export function allowedAppKeys (path: readonly PropertyKey[]): string[] {
  const at = path.map(String)
  const settingKeys = Object.keys(settings)
  if (at.length === 0) return ['apiVersion', 'kind', 'metadata', 'spec']
  if (at.join('.') === 'metadata') return ['name', 'labels']
  if (at.join('.') === 'spec') return ['children', 'dependsOn', 'defaults', 'tests', 'gate', 'roles', 'secrets', 'egress']
  if (at.join('.') === 'spec.defaults') return settingKeys
  if (at.length === 3 && at[0] === 'spec' && at[1] === 'tests') return ['url', 'file', 'script', ...settingKeys]
  if (at.join('.') === 'spec.gate') return ['tests', 'criteria']
  if (at.join('.') === 'spec.gate.criteria') return [...GATE_METRICS]
  if (at.join('.') === 'spec.roles') return [...APP_ROLES]
  return []
}
