import type { ConstantArrivalRateScenario, ExecutionTuple, RampingArrivalRateScenario } from '@loadfleet/core'
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
export async function runConstantArrivalRate (run: ScenarioRun, s: ConstantArrivalRateScenario,
  stripe?: ExecutionTuple): Promise<void> {
  const intervalMs = s.timeUnitMs / s.rate
  const total = Math.ceil(s.durationMs / intervalMs - 1e-9)
  await runArrivals(run, { ...s, ...ownArrivals(total, (i) => i * intervalMs, stripe) })
}

/**
 * The arrivals this part starts: with a segment, the global iterations of its stripe at their global times, so the
 * parts together start every iteration of the whole test exactly once and on the whole test's schedule.
 */
function ownArrivals (total: number, offsetMs: (i: number) => number, stripe: ExecutionTuple | undefined):
{ total: number, offsetMs: (k: number) => number } {
  if (stripe === undefined) return { total, offsetMs }
  return { total: stripe.scale(total), offsetMs: (k) => offsetMs(stripe.globalIndex(k)) }
}

/**
 * ramping-arrival-rate (open model): the rate moves linearly through the stages, so iteration i starts when the
 * running count of iterations (the integral of the rate) reaches i. Otherwise as constant-arrival-rate.
 */
export async function runRampingArrivalRate (run: ScenarioRun, s: RampingArrivalRateScenario,
  stripe?: ExecutionTuple): Promise<void> {
  const schedule = arrivalSchedule(s.startRate, s.timeUnitMs, s.stages)
  const durationMs = s.stages.reduce((n, st) => n + st.durationMs, 0)
  await runArrivals(run, { ...s, durationMs, ...ownArrivals(schedule.total, schedule.offsetMs, stripe) })
}

/** When iteration i starts (ms from the scenario start) under a rate ramped linearly through the stages. */
export function arrivalSchedule (startRate: number, timeUnitMs: number,
  stages: ReadonlyArray<{ durationMs: number, target: number }>): { total: number, offsetMs: (i: number) => number } {
  const segments: Array<{ t0: number, d: number, r0: number, r1: number, n0: number, n: number }> = []
  let t0 = 0
  let n0 = 0
  let from = startRate / timeUnitMs
  for (const st of stages) {
    const to = st.target / timeUnitMs
    const n = (from + to) / 2 * st.durationMs
    segments.push({ t0, d: st.durationMs, r0: from, r1: to, n0, n })
    t0 += st.durationMs
    n0 += n
    from = to
  }
  const offsetMs = (i: number): number => {
    const seg = segments.find((g) => i < g.n0 + g.n - 1e-9) ?? segments.at(-1)
    if (seg === undefined) return 0
    const x = i - seg.n0
    // Within the segment the count is r0·t + (r1 − r0)·t² / 2d; solve it for t.
    const a = (seg.r1 - seg.r0) / (2 * seg.d)
    const t = Math.abs(a) < 1e-15
      ? (seg.r0 > 0 ? x / seg.r0 : 0)
      : (-seg.r0 + Math.sqrt(seg.r0 * seg.r0 + 4 * a * x)) / (2 * a)
    return seg.t0 + Math.min(Math.max(t, 0), seg.d)
  }
  return { total: Math.ceil(n0 - 1e-9), offsetMs }
}

interface Arrivals {
  total: number
  offsetMs: (i: number) => number
  durationMs: number
  preAllocatedVUs: number
  maxVUs: number
  gracefulStopMs: number
}

async function runArrivals (run: ScenarioRun, s: Arrivals): Promise<void> {
  const { ctx } = run
  const startAt = ctx.elapsedMs()
  const { total, offsetMs } = s
  const idle: Vu[] = []
  for (let i = 0; i < s.preAllocatedVUs; i++) idle.push(run.newVu())
  let allocated = s.preAllocatedVUs
  const runOn = async (vu: Vu): Promise<void> => {
    await vu.iterate()
    if (!vu.interrupted) idle.push(vu)
  }
  let next = 0
  while (next < total && !ctx.stopped) {
    const wait = startAt + offsetMs(next) - ctx.elapsedMs()
    if (wait > TIMER_SLACK_MS) await ctx.delay(wait)
    const now = ctx.elapsedMs()
    while (next < total && startAt + offsetMs(next) <= now + TIMER_SLACK_MS && !ctx.stopped) {
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
