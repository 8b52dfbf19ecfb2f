import { expandExpectedStatuses, isDefaultExpectedStatuses, type AgentTarget } from '@loadfleet/api/client'
import type { TestSpec, ThresholdSpec } from '@loadfleet/core/base'

// k6's defaults, so a target behaves as the same test written for `k6 run` would.
const REQUEST_TIMEOUT_MS = 60_000
const GRACEFUL_STOP_MS = 30_000
// Each iteration is one GET then a 1 s pause, as a generated k6 script (`http.get(url); sleep(1)`) would do:
// a VU models a user, and the agent's CPU budget (500m) is not spent on a tight loop.
const ITERATION_SLEEP_MS = 1000
const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']

export interface SpecDefaults {
  /** K6_VUS, used when a target carries no VU count. */
  vus: number
  /** K6_DURATION in ms, used when a target carries no duration. */
  durationMs: number
  userAgent: string
}

/**
 * The load test an agent runs for a target: `vus` VUs looping GET `url` for `durationS`, with the target's headers
 * and its secret headers (already resolved), the latter marked so the engine writes their values nowhere.
 */
export function testSpecOf (
  target: AgentTarget, defaults: SpecDefaults, secretHeaders: Record<string, string> = {},
): TestSpec {
  const vus = target.vus > 0 ? target.vus : defaults.vus
  const durationMs = target.durationS > 0 ? target.durationS * 1000 : defaults.durationMs
  const thresholds = thresholdsOf(target)
  return {
    scenarios: [{
      executor: 'constant-vus', name: 'default', startTimeMs: 0, gracefulStopMs: GRACEFUL_STOP_MS, vus, durationMs,
    }],
    requests: [{
      name: target.url, method: 'GET', url: target.url,
      headers: { ...lowerCased(target.headers ?? {}), ...lowerCased(secretHeaders) },
      secretHeaderNames: Object.keys(secretHeaders).map((name) => name.toLowerCase()),
      expectStatus: expectStatusOf(target), timeoutMs: REQUEST_TIMEOUT_MS,
    }],
    sleepMs: ITERATION_SLEEP_MS,
    thresholds,
    insecureSkipTLSVerify: false,
    maxRedirects: 10,
    userAgent: defaults.userAgent,
    summaryTrendStats: trendStatsFor(thresholds),
  }
}

// The engine's steps carry lower-case header names (HTTP names are case-insensitive).
function lowerCased (headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}

/** The site's expected statuses as the engine's list; null keeps the engine's default (200–399). */
function expectStatusOf (target: AgentTarget): number[] | null {
  // A control plane older than expected statuses sends none: the default applies.
  const statuses = (target as Partial<AgentTarget>).expectedStatuses
  if (statuses === undefined || isDefaultExpectedStatuses(statuses)) return null
  return expandExpectedStatuses(statuses)
}

/** The thresholds in force (the server merges the defaults in), in the engine's form. */
function thresholdsOf (target: AgentTarget): ThresholdSpec[] {
  return Object.entries(target.effectiveThresholds ?? {}).flatMap(([metric, expressions]) =>
    expressions.map((expression) => ({ metric, expression, abortOnFail: false, delayAbortEvalMs: 0 })))
}

// A percentile a threshold names is added to the summary, so the control plane sees the value it judged.
function trendStatsFor (thresholds: readonly ThresholdSpec[]): string[] {
  const stats = new Set(SUMMARY_TREND_STATS)
  for (const { expression } of thresholds) {
    const match = /^\s*(p\(\s*\d+(?:\.\d+)?\s*\))/i.exec(expression)
    if (match?.[1] !== undefined) stats.add(match[1].replace(/\s+/g, '').toLowerCase())
  }
  return [...stats]
}
