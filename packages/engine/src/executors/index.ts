import type { ScenarioSpec } from '@loadfleet/core'
import type { VuShared } from '../vu/vu.js'
import type { RunContext } from './run-context.js'
import { ScenarioRun } from './scenario-run.js'
import { runConstantVus, runPerVuIterations, runSharedIterations } from './closed-model.js'
import { runRampingVus } from './ramping-vus.js'
import { runConstantArrivalRate, runRampingArrivalRate } from './constant-arrival-rate.js'
import type { ScenarioPart } from './segment-plan.js'

export { RunContext } from './run-context.js'
export { rampSchedule } from './ramping-vus.js'
export { partOf, wholePart } from './segment-plan.js'
export type { ScenarioPart } from './segment-plan.js'

/** Runs one scenario (this part's share of it) from its `startTime` to its end (graceful stop included). */
export async function runScenario (ctx: RunContext, part: ScenarioPart, shared: VuShared): Promise<void> {
  const { scenario } = part
  await ctx.until(scenario.startTimeMs)
  if (ctx.stopped) return
  const run = new ScenarioRun(ctx, shared)
  switch (scenario.executor) {
    case 'constant-vus': return runConstantVus(run, scenario)
    case 'ramping-vus': return runRampingVus(run, scenario, part.vusOf)
    case 'per-vu-iterations': return runPerVuIterations(run, scenario)
    case 'shared-iterations': return runSharedIterations(run, scenario)
    case 'constant-arrival-rate': return runConstantArrivalRate(run, scenario, part.arrivals)
    case 'ramping-arrival-rate': return runRampingArrivalRate(run, scenario, part.arrivals)
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
export function plannedVus (parts: readonly ScenarioPart[]): number {
  return parts.reduce((sum, p) => sum + initialVusOf(p.scenario, p.vusOf), 0)
}

function initialVusOf (s: ScenarioSpec, vusOf: (n: number) => number): number {
  switch (s.executor) {
    case 'ramping-vus': return vusOf(Math.max(s.startVUs, ...s.stages.map((st) => st.target)))
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': return s.preAllocatedVUs
    // k6 never starts more VUs than there are iterations.
    case 'shared-iterations': return Math.min(s.vus, s.iterations)
    default: return s.vus
  }
}
