import type { ConstantArrivalRateScenario } from '@loadfleet/core'
import type { VirtualUser as Vu } from '../vu/vu.js'
import type { ScenarioRun } from './scenario-run.js'

/** Below this lead time the scheduler starts the iteration now rather than arm a timer that fires late anyway. */
const TIMER_SLACK_MS = 1

/**
 * constant-arrival-rate (open model): iteration i starts at i × timeUnit / rate from the scenario start, whatever
 * the response times. It runs on an idle VU; without one a new VU is allocated up to `maxVUs`, and past that the
 * iteration is dropped and counted in `dropped_iterations`. Starts are batched after a late timer, so the schedule
 * (not the timer) decides how many iterations run.
 */
export async function runConstantArrivalRate (run: ScenarioRun, s: ConstantArrivalRateScenario): Promise<void> {
  const { ctx } = run
  const startAt = ctx.elapsedMs()
  const intervalMs = s.timeUnitMs / s.rate
  const total = Math.ceil(s.durationMs / intervalMs - 1e-9)
  const idle: Vu[] = []
  for (let i = 0; i < s.preAllocatedVUs; i++) idle.push(run.newVu())
  let allocated = s.preAllocatedVUs
  const runOn = async (vu: Vu): Promise<void> => {
    await vu.iterate()
    if (!vu.interrupted) idle.push(vu)
  }
  let next = 0
  while (next < total && !ctx.stopped) {
    const wait = startAt + next * intervalMs - ctx.elapsedMs()
    if (wait > TIMER_SLACK_MS) await ctx.delay(wait)
    const now = ctx.elapsedMs()
    while (next < total && startAt + next * intervalMs <= now + TIMER_SLACK_MS && !ctx.stopped) {
      next++
      let vu = idle.pop()
      if (vu === undefined && allocated < s.maxVUs) {
        vu = run.newVu()
        allocated++
      }
      if (vu === undefined) ctx.metrics.droppedIterations.count++
      else run.track(runOn(vu))
    }
  }
  await ctx.until(startAt + s.durationMs)
  await run.finish(s.gracefulStopMs)
}
