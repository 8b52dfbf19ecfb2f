import type { RequestStep, ScenarioSpec, TestSpec } from '@loadfleet/core'

/** A TestSpec built directly (no parser), with k6's defaults, for engine tests. */
export function testSpec (over: Partial<TestSpec> & { scenarios: ScenarioSpec[] }): TestSpec {
  return {
    requests: [],
    sleepMs: 0,
    thresholds: [],
    insecureSkipTLSVerify: false,
    maxRedirects: 10,
    userAgent: 'loadfleet-test',
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    ...over,
  }
}

export function step (url: string, over: Partial<RequestStep> = {}): RequestStep {
  return { name: url, method: 'GET', url, headers: {}, expectStatus: null, timeoutMs: 60_000, ...over }
}

const BASE = { name: 'default', startTimeMs: 0, gracefulStopMs: 30_000 }

export function perVu (vus: number, iterations: number, over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { ...BASE, executor: 'per-vu-iterations', vus, iterations, maxDurationMs: 600_000, ...over } as ScenarioSpec
}

export function shared (vus: number, iterations: number, over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { ...BASE, executor: 'shared-iterations', vus, iterations, maxDurationMs: 600_000, ...over } as ScenarioSpec
}

export function constantVus (vus: number, durationMs: number, over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { ...BASE, executor: 'constant-vus', vus, durationMs, ...over } as ScenarioSpec
}
