import type { ScenarioSpec } from '@loadfleet/core'
import type { VuShared } from '../vu/vu.js'
import type { RunContext } from './run-context.js'
import { ScenarioRun } from './scenario-run.js'
import { runConstantVus, runPerVuIterations, runSharedIterations } from './closed-model.js'
import { runRampingVus } from './ramping-vus.js'
import { runConstantArrivalRate, runRampingArrivalRate } from './constant-arrival-rate.js'

export { RunContext } from './run-context.js'
export { rampSchedule } from './ramping-vus.js'

/** Runs one scenario from its `startTime` to its end (graceful stop included). */
export async function runScenario (ctx: RunContext, scenario: ScenarioSpec, shared: VuShared): Promise<void> {
  await ctx.until(scenario.startTimeMs)
  if (ctx.stopped) return
  const run = new ScenarioRun(ctx, shared)
  switch (scenario.executor) {
    case 'constant-vus': return runConstantVus(run, scenario)
    case 'ramping-vus': return runRampingVus(run, scenario)
    case 'per-vu-iterations': return runPerVuIterations(run, scenario)
    case 'shared-iterations': return runSharedIterations(run, scenario)
    case 'constant-arrival-rate': return runConstantArrivalRate(run, scenario)
    case 'ramping-arrival-rate': return runRampingArrivalRate(run, scenario)
  }
}

/** The scenario's planned length without graceful stop: its duration, or `maxDuration` for iteration counts. */
export function plannedDurationMs (scenario: ScenarioSpec): number {
  switch (scenario.executor) {
    case 'constant-vus':
    case 'constant-arrival-rate':
      return scenario.durationMs
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return scenario.stages.reduce((sum, st) => sum + st.durationMs, 0)
    case 'per-vu-iterations':
    case 'shared-iterations':
      return scenario.maxDurationMs
  }
}

/** Longest planned test time across scenarios, start times included (the progress line's total). */
export function plannedTestMs (scenarios: readonly ScenarioSpec[]): number {
  return scenarios.reduce((max, s) => Math.max(max, s.startTimeMs + plannedDurationMs(s)), 0)
}

/** VUs k6 initialises before the start: each scenario's VUs, an arrival-rate scenario's pre-allocated ones. */
export function plannedVus (scenarios: readonly ScenarioSpec[]): number {
  return scenarios.reduce((sum, s) => sum + initialVusOf(s), 0)
}

function initialVusOf (s: ScenarioSpec): number {
  switch (s.executor) {
    case 'ramping-vus': return Math.max(s.startVUs, ...s.stages.map((st) => st.target))
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': return s.preAllocatedVUs
    // k6 never starts more VUs than there are iterations.
    case 'shared-iterations': return Math.min(s.vus, s.iterations)
    default: return s.vus
  }
}
