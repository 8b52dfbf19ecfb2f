import type { ExecutionTuple, ScenarioSpec } from '@loadfleet/core'

/**
 * One scenario as one part of a segmented test runs it (k6's execution segments): its VU and iteration counts
 * scaled by the part's stripe, and the global numbers of what it runs, so that the parts of one sequence together
 * run exactly the unsegmented scenario and never number two iterations alike.
 */
export interface ScenarioPart {
  /** The scenario with this part's counts (VUs, iterations, pre-allocated and maximum VUs). */
  scenario: ScenarioSpec
  /** The global number (from 0) of this part's k-th iteration of the scenario (`exec.scenario.iterationInTest`). */
  iterationNumber: (k: number) => number
  /** ramping-vus: this part's VUs when the whole test has n. */
  vusOf: (n: number) => number
  /**
   * Arrival-rate executors: this part's arrivals are the global iterations of this stripe (over the parts that have
   * VUs), each started at its global time.
   */
  arrivals?: ExecutionTuple
}

const whole = (k: number): number => k

/** The scenario unchanged: the whole test, or no segment. */
export function wholePart (scenario: ScenarioSpec): ScenarioPart {
  return { scenario, iterationNumber: whole, vusOf: whole }
}

/** This part's share of `scenario`, or undefined when it gets no work in it (k6 skips such a scenario). */
export function partOf (scenario: ScenarioSpec, tuple: ExecutionTuple | undefined): ScenarioPart | undefined {
  if (tuple === undefined || tuple.isWhole) return wholePart(scenario)
  const scale = (n: number): number => tuple.scale(n)
  const byStripe = (k: number): number => tuple.globalIndex(k)
  switch (scenario.executor) {
    case 'constant-vus':
    case 'per-vu-iterations': {
      const vus = scale(scenario.vus)
      return vus === 0 ? undefined : { scenario: { ...scenario, vus }, iterationNumber: byStripe, vusOf: scale }
    }
    case 'shared-iterations': {
      // As k6: the iterations are shared among the parts that have VUs.
      const withVus = tuple.forValue(scenario.vus)
      if (withVus === undefined) return undefined
      const iterations = withVus.scale(scenario.iterations)
      if (iterations === 0) return undefined
      return {
        scenario: { ...scenario, vus: scale(scenario.vus), iterations },
        iterationNumber: (k) => withVus.globalIndex(k),
        vusOf: scale,
      }
    }
    case 'ramping-vus': {
      const peak = Math.max(scenario.startVUs, ...scenario.stages.map((s) => s.target))
      if (scale(peak) === 0) return undefined
      return { scenario, iterationNumber: byStripe, vusOf: scale }
    }
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      // k6 stripes arrivals over the parts that have VUs, so no iteration falls to a part that cannot run it.
      const arrivals = tuple.forValue(scenario.maxVUs)
      if (arrivals === undefined) return undefined
      return {
        scenario: { ...scenario, preAllocatedVUs: scale(scenario.preAllocatedVUs), maxVUs: scale(scenario.maxVUs) },
        iterationNumber: (k) => arrivals.globalIndex(k),
        vusOf: scale,
        arrivals,
      }
    }
  }
}
