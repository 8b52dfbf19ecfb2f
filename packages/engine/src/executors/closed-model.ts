import type {
  ConstantVusScenario, PerVuIterationsScenario, SharedIterationsScenario,
} from '@loadfleet/core'
import type { ScenarioRun } from './scenario-run.js'

/** constant-vus: `vus` VUs loop until `durationMs` has passed; no iteration starts after that. */
export async function runConstantVus (run: ScenarioRun, s: ConstantVusScenario): Promise<void> {
  const endAt = run.ctx.elapsedMs() + s.durationMs
  const more = (): boolean => run.ctx.elapsedMs() < endAt
  for (let i = 0; i < s.vus; i++) void run.loop(run.newVu(), more)
  await run.ctx.until(endAt)
  await run.finish(s.gracefulStopMs)
}

/** per-vu-iterations: each VU runs exactly `iterations` iterations, within `maxDurationMs`. */
export async function runPerVuIterations (run: ScenarioRun, s: PerVuIterationsScenario): Promise<void> {
  const endAt = run.ctx.elapsedMs() + s.maxDurationMs
  const loops: Array<Promise<void>> = []
  for (let i = 0; i < s.vus; i++) {
    let left = s.iterations
    loops.push(run.loop(run.newVu(), () => left-- > 0 && run.ctx.elapsedMs() < endAt))
  }
  await run.ctx.waitFor(Promise.all(loops), endAt - run.ctx.elapsedMs())
  await run.finish(s.gracefulStopMs)
}

/** shared-iterations: `iterations` iterations in total, each taken by whichever VU is free, within `maxDurationMs`. */
export async function runSharedIterations (run: ScenarioRun, s: SharedIterationsScenario): Promise<void> {
  const endAt = run.ctx.elapsedMs() + s.maxDurationMs
  let left = s.iterations
  const more = (): boolean => left-- > 0 && run.ctx.elapsedMs() < endAt
  const loops: Array<Promise<void>> = []
  // k6 never starts more VUs than there are iterations.
  for (let i = 0; i < Math.min(s.vus, s.iterations); i++) loops.push(run.loop(run.newVu(), more))
  await run.ctx.waitFor(Promise.all(loops), endAt - run.ctx.elapsedMs())
  await run.finish(s.gracefulStopMs)
}
