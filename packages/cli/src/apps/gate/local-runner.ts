import { readFile } from 'node:fs/promises'
import { egressRefusal, parseEgressRule } from '@loadfleet/core/egress'
import {
  formatDiagnostic, gateMetricsOf, parseTestText, parseThreshold,
  type EffectiveApp, type EffectiveTest, type RunResult, type TestSpec, type ThresholdSpec,
} from '@loadfleet/core'
import { expandExpectedStatuses, isDefaultExpectedStatuses } from '@loadfleet/api'
import { prepareScript, runScript, runTest, type EgressCheck, type RunProgress } from '@loadfleet/engine'
import { VERSION } from '../../version.js'
import type { GateRunOutcome, GateTestRunner, GateThreshold } from './test-runner.js'

// As an agent runs a site: k6's request timeout and graceful stop, one GET then a 1 s pause per iteration.
const REQUEST_TIMEOUT_MS = 60_000
const GRACEFUL_STOP_MS = 30_000
const ITERATION_SLEEP_MS = 1000
const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']
const SECRET_REF_RE = /\$\{secrets\.([A-Za-z_][A-Za-z0-9_]*)\}/g
const PROGRESS_INTERVAL_MS = 500

/**
 * Runs gate tests on this machine with the built-in engine: a URL test as an agent runs a site, a YAML test file
 * and a k6 script with their own options plus the manifest's thresholds for metrics they do not set themselves.
 * Requests are held to the app's egress. `${secrets.NAME}` in a header is read from the environment variable NAME.
 */
export function localRunner (env: NodeJS.ProcessEnv = process.env): GateTestRunner {
  return async ({ app, test, signal, onProgress }) => {
    const startedAt = Date.now()
    const fail = (message: string): GateRunOutcome => ({
      runner: 'local', runId: null, startedAt, finishedAt: Date.now(), metrics: {}, thresholds: [], errorMessage: message,
    })
    try {
      const egress = egressCheckOf(app)
      const progress = onProgress === undefined
        ? {}
        : { progressIntervalMs: PROGRESS_INTERVAL_MS, onProgress: (p: RunProgress) => onProgress(p) }
      let result: RunResult
      if (test.kind === 'script') {
        const prepared = await prepareScript(test.location.value, { env: stringEnv(env) })
        if (prepared.value === undefined) return fail(prepared.diagnostics.map(formatDiagnostic).join('; '))
        const { plan } = prepared.value
        const spec = { ...plan.spec, thresholds: withManifestThresholds(plan.spec.thresholds, test) }
        const outcome = await runScript({ ...prepared.value, plan: { ...plan, spec } }, { signal, egress, ...progress })
        result = outcome.result
        const scriptError = outcome.scriptError ?? outcome.aborted
        if (scriptError !== undefined) return { ...outcomeOf(result), errorMessage: scriptError }
      } else {
        const spec = test.kind === 'url' ? urlSpec(test, env) : await fileSpec(test)
        if (typeof spec === 'string') return fail(spec)
        result = await runTest(spec, { signal, egress, ...progress })
      }
      return outcomeOf(result)
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err))
    }
  }
}

function outcomeOf (result: RunResult): GateRunOutcome {
  const outcome: GateRunOutcome = {
    runner: 'local', runId: null, startedAt: result.startedAt, finishedAt: result.finishedAt,
    metrics: gateMetricsOf(result), thresholds: result.thresholds.map((t) => thresholdOf(t, result)),
  }
  if (result.outcome === 'error') outcome.errorMessage = result.errorMessage ?? 'the run could not be carried out'
  return outcome
}

/** The figure a threshold expression tested, read from the summary (k6's `p(95)`, `rate`, `count`…). */
function thresholdOf (t: { metric: string, expression: string, ok: boolean }, result: RunResult): GateThreshold {
  const stat = parseThreshold(t.expression).value?.stat
  const value = stat === undefined ? undefined : result.metrics[t.metric]?.values[stat]
  return { metric: t.metric, expression: t.expression, ok: t.ok, observed: value ?? null }
}

function urlSpec (test: EffectiveTest, env: NodeJS.ProcessEnv): TestSpec | string {
  const headers: Record<string, string> = {}
  const secretHeaderNames: string[] = []
  for (const [name, { value }] of Object.entries(test.headers)) {
    let missing: string | undefined
    const resolved = value.replace(SECRET_REF_RE, (_, secret: string) => {
      const v = env[secret]
      if (v === undefined) missing ??= secret
      return v ?? ''
    })
    if (missing !== undefined) {
      return `header '${name}' needs secret '${missing}': set the environment variable ${missing} where the gate runs`
    }
    headers[name.toLowerCase()] = resolved
    if (resolved !== value) secretHeaderNames.push(name.toLowerCase())
  }
  const statuses = test.expectedStatuses.value
  const thresholds = withManifestThresholds([], test)
  return {
    scenarios: [{ executor: 'constant-vus', name: 'default', startTimeMs: 0, gracefulStopMs: GRACEFUL_STOP_MS,
      vus: test.vus.value, durationMs: test.durationMs.value }],
    requests: [{
      name: test.location.value, method: 'GET', url: test.location.value, headers, secretHeaderNames,
      expectStatus: isDefaultExpectedStatuses(statuses) ? null : expandExpectedStatuses(statuses),
      timeoutMs: REQUEST_TIMEOUT_MS,
    }],
    sleepMs: ITERATION_SLEEP_MS, thresholds, insecureSkipTLSVerify: false, maxRedirects: 10,
    userAgent: `loadfleet/${VERSION}`, summaryTrendStats: trendStatsFor(thresholds),
  }
}

async function fileSpec (test: EffectiveTest): Promise<TestSpec | string> {
  const parsed = parseTestText(await readFile(test.location.value, 'utf8'), { file: test.location.value })
  if (parsed.value === undefined) return parsed.diagnostics.map(formatDiagnostic).join('; ')
  const thresholds = withManifestThresholds(parsed.value.thresholds, test)
  const summaryTrendStats = [...new Set([...parsed.value.summaryTrendStats, ...trendStatsFor(thresholds)])]
  return { ...parsed.value, thresholds, summaryTrendStats }
}

/** The test's own thresholds, plus the manifest's for every metric the test does not set itself. */
function withManifestThresholds (own: readonly ThresholdSpec[], test: EffectiveTest): ThresholdSpec[] {
  const set = new Set(own.map((t) => t.metric))
  const added = Object.entries(test.thresholds).filter(([metric]) => !set.has(metric))
    .flatMap(([metric, { value }]) =>
      value.map((expression) => ({ metric, expression, abortOnFail: false, delayAbortEvalMs: 0 })))
  return [...own, ...added]
}

// A percentile a threshold names is added to the summary, so the gate reports the value it judged.
function trendStatsFor (thresholds: readonly ThresholdSpec[]): string[] {
  const stats = new Set(TREND_STATS)
  for (const { expression } of thresholds) {
    const stat = parseThreshold(expression).value?.stat
    if (stat?.startsWith('p(') === true) stats.add(stat)
  }
  return [...stats]
}

/** The app's egress as the engine's per-connection check; none when no app up the tree restricts egress. */
function egressCheckOf (app: EffectiveApp): EgressCheck | undefined {
  if (app.egress === undefined) return undefined
  const allow = app.egress.value.map((text) => parseEgressRule(text, 'TARGET_ALLOW')).filter((r) => r !== undefined)
  const from = app.egress.from
  return (destination) => {
    const refusal = egressRefusal({ allow, deny: [] }, destination)
    return refusal === undefined ? undefined : `${refusal} (app '${app.name}' egress, ${from})`
  }
}

function stringEnv (env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined))
}
