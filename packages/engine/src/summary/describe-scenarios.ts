import type { ScenarioSpec, TestSpec } from '@loadfleet/core'

/** Go's `time.Duration.String()` for whole-ms values, as k6's header prints them: "33s", "10m0s", "1h0m0s". */
export function goDuration (ms: number): string {
  if (ms < 1000) return ms === 0 ? '0s' : `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = Number(((ms % 60_000) / 1000).toFixed(3))
  if (h > 0) return `${h}h${m}m${s}s`
  return m > 0 ? `${m}m${s}s` : `${s}s`
}

/** The most VUs a scenario may run at once (an arrival-rate scenario's `maxVUs`). */
export function maxVUsOf (sc: ScenarioSpec): number {
  switch (sc.executor) {
    case 'ramping-vus': return Math.max(sc.startVUs, ...sc.stages.map((s) => s.target))
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': return sc.maxVUs
    default: return sc.vus
  }
}

/** Longest the scenario may run, graceful stop included, from the test start (k6's "max duration"). */
export function maxDurationOf (sc: ScenarioSpec): number {
  switch (sc.executor) {
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return sc.startTimeMs + sc.stages.reduce((n, s) => n + s.durationMs, 0) + sc.gracefulStopMs
    case 'per-vu-iterations':
    case 'shared-iterations': return sc.startTimeMs + sc.maxDurationMs + sc.gracefulStopMs
    default: return sc.startTimeMs + sc.durationMs + sc.gracefulStopMs
  }
}

function describeOne (sc: ScenarioSpec): string {
  const start = sc.startTimeMs > 0 ? `startTime: ${goDuration(sc.startTimeMs)}, ` : ''
  const stop = `gracefulStop: ${goDuration(sc.gracefulStopMs)}`
  switch (sc.executor) {
    case 'constant-vus':
      return `${sc.vus} looping VUs for ${goDuration(sc.durationMs)} (${start}${stop})`
    case 'ramping-vus': {
      const total = goDuration(sc.stages.reduce((n, s) => n + s.durationMs, 0))
      return `Up to ${maxVUsOf(sc)} looping VUs for ${total} over ${sc.stages.length} stages ` +
        `(${start}gracefulRampDown: ${goDuration(sc.gracefulRampDownMs)}, ${stop})`
    }
    case 'per-vu-iterations':
      return `${sc.iterations} iterations for each of ${sc.vus} VUs (${start}maxDuration: ${goDuration(sc.maxDurationMs)}, ${stop})`
    case 'shared-iterations':
      return `${sc.iterations} iterations shared among ${sc.vus} VUs (${start}maxDuration: ${goDuration(sc.maxDurationMs)}, ${stop})`
    case 'constant-arrival-rate': {
      const perSecond = (sc.rate * 1000) / sc.timeUnitMs
      return `${perSecond.toFixed(2)} iterations/s for ${goDuration(sc.durationMs)} ` +
        `(${start}maxVUs: ${sc.preAllocatedVUs}-${sc.maxVUs}, ${stop})`
    }
    case 'ramping-arrival-rate': {
      const total = goDuration(sc.stages.reduce((n, s) => n + s.durationMs, 0))
      const peak = (Math.max(sc.startRate, ...sc.stages.map((s) => s.target)) * 1000) / sc.timeUnitMs
      return `Up to ${peak.toFixed(2)} iterations/s for ${total} over ${sc.stages.length} stages ` +
        `(${start}maxVUs: ${sc.preAllocatedVUs}-${sc.maxVUs}, ${stop})`
    }
  }
}

/** The scenario header k6 prints before a run, for `renderTextSummary`'s `scenarioLines` and the CLI. */
export function describeScenarios (spec: Pick<TestSpec, 'scenarios'>): string[] {
  const n = spec.scenarios.length
  const maxVUs = spec.scenarios.reduce((sum, sc) => sum + maxVUsOf(sc), 0)
  const maxDuration = Math.max(0, ...spec.scenarios.map(maxDurationOf))
  return [
    `     scenarios: (100.00%) ${n} scenario${n === 1 ? '' : 's'}, ${maxVUs} max VUs, ` +
      `${goDuration(maxDuration)} max duration (incl. graceful stop):`,
    ...spec.scenarios.map((sc) => `              * ${sc.name}: ${describeOne(sc)}`),
  ]
}
