import type { RequestStep, ScenarioSpec, TestSpec, ThresholdSpec } from '../test-spec.js'
import { formatMetricSelector, parseMetricSelector } from './threshold-expression.js'
import type { TestFile, TestFileOptions, TestFileRequest, TestFileScenario } from './schema.js'

/** k6's defaults for the scenarios its shortcuts create. */
const GRACEFUL_STOP_MS = 30_000
const GRACEFUL_RAMP_DOWN_MS = 30_000
const SHARED_ITERATIONS_MAX_DURATION_MS = 600_000
const DEFAULT_SCENARIO = 'default'

/** Turns a validated test file into the engine's spec: shortcuts become scenarios, bodies are serialised. */
export function normaliseTestFile (file: TestFile): TestSpec {
  const { options } = file
  return {
    scenarios: scenariosOf(options),
    requests: file.requests.map(requestStepOf),
    sleepMs: file.sleep,
    thresholds: thresholdsOf(options.thresholds ?? {}),
    insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    maxRedirects: options.maxRedirects,
    userAgent: options.userAgent,
    summaryTrendStats: options.summaryTrendStats,
  }
}

/** k6's `DeriveScenariosFromShortcuts`: explicit scenarios win; otherwise stages, iterations, duration, or 1×1. */
function scenariosOf (options: TestFileOptions): ScenarioSpec[] {
  if (options.scenarios !== undefined) {
    return Object.entries(options.scenarios).map(([name, sc]) => scenarioOf(name, sc))
  }
  const base = { name: DEFAULT_SCENARIO, startTimeMs: 0, gracefulStopMs: GRACEFUL_STOP_MS }
  const vus = options.vus ?? 1
  if (options.stages !== undefined) {
    return [{
      ...base,
      executor: 'ramping-vus',
      startVUs: vus,
      stages: options.stages.map((s) => ({ durationMs: s.duration, target: s.target })),
      gracefulRampDownMs: GRACEFUL_RAMP_DOWN_MS,
    }]
  }
  if (options.iterations !== undefined) {
    // As in k6, a duration next to iterations caps the run instead of making it time-based.
    const maxDurationMs = options.duration ?? SHARED_ITERATIONS_MAX_DURATION_MS
    return [{ ...base, executor: 'shared-iterations', vus, iterations: options.iterations, maxDurationMs }]
  }
  if (options.duration !== undefined) {
    return [{ ...base, executor: 'constant-vus', vus, durationMs: options.duration }]
  }
  return [{ ...base, executor: 'per-vu-iterations', vus, iterations: 1, maxDurationMs: SHARED_ITERATIONS_MAX_DURATION_MS }]
}

function scenarioOf (name: string, sc: TestFileScenario): ScenarioSpec {
  const base = { name, startTimeMs: sc.startTime, gracefulStopMs: sc.gracefulStop }
  switch (sc.executor) {
    case 'constant-vus':
      return { ...base, executor: sc.executor, vus: sc.vus, durationMs: sc.duration }
    case 'ramping-vus':
      return {
        ...base,
        executor: sc.executor,
        startVUs: sc.startVUs,
        stages: sc.stages.map((s) => ({ durationMs: s.duration, target: s.target })),
        gracefulRampDownMs: sc.gracefulRampDown,
      }
    case 'per-vu-iterations':
    case 'shared-iterations':
      return { ...base, executor: sc.executor, vus: sc.vus, iterations: sc.iterations, maxDurationMs: sc.maxDuration }
    case 'constant-arrival-rate':
      return {
        ...base,
        executor: sc.executor,
        rate: sc.rate,
        timeUnitMs: sc.timeUnit,
        durationMs: sc.duration,
        preAllocatedVUs: sc.preAllocatedVUs,
        maxVUs: sc.maxVUs ?? sc.preAllocatedVUs,
      }
    case 'ramping-arrival-rate':
      return {
        ...base,
        executor: sc.executor,
        startRate: sc.startRate,
        timeUnitMs: sc.timeUnit,
        stages: sc.stages.map((s) => ({ durationMs: s.duration, target: s.target })),
        preAllocatedVUs: sc.preAllocatedVUs,
        maxVUs: sc.maxVUs ?? sc.preAllocatedVUs,
      }
  }
}

function requestStepOf (r: TestFileRequest): RequestStep {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(r.headers)) headers[name.toLowerCase()] = value
  let body = r.body
  if (r.json !== undefined) {
    body = JSON.stringify(r.json)
    headers['content-type'] ??= 'application/json'
  }
  return {
    name: r.name ?? r.url,
    method: r.method,
    url: r.url,
    headers,
    ...(body === undefined ? {} : { body }),
    expectStatus: r.expect?.status ?? null,
    timeoutMs: r.timeout,
  }
}

function thresholdsOf (record: NonNullable<TestFileOptions['thresholds']>): ThresholdSpec[] {
  return Object.entries(record).flatMap(([key, list]) => {
    const selector = parseMetricSelector(key).value
    const metric = selector === undefined ? key : formatMetricSelector(selector)
    return list.map((item) => typeof item === 'string'
      ? { metric, expression: item, abortOnFail: false, delayAbortEvalMs: 0 }
      : { metric, expression: item.threshold, abortOnFail: item.abortOnFail, delayAbortEvalMs: item.delayAbortEval })
  })
}
