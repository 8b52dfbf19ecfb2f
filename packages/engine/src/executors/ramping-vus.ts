import type { RampingVusScenario } from '@loadfleet/core'
import type { VirtualUser as Vu } from '../vu/vu.js'
import type { ScenarioRun } from './scenario-run.js'

/** One change of the VU target, `atMs` after the scenario start. */
export interface VuStep {
  atMs: number
  target: number
}

/**
 * The moments the target VU count changes. Within a stage the count moves linearly, one VU at a time: going from
 * `a` to `b` over `d`, the k-th VU change happens at k·d/|b−a|, so each stage ends exactly on its target.
 */
export function rampSchedule (startVUs: number, stages: ReadonlyArray<{ durationMs: number, target: number }>):
VuStep[] {
  const steps: VuStep[] = []
  let from = startVUs
  let stageStart = 0
  for (const stage of stages) {
    const diff = stage.target - from
    const n = Math.abs(diff)
    for (let k = 1; k <= n; k++) {
      steps.push({ atMs: stageStart + (stage.durationMs * k) / n, target: from + Math.sign(diff) * k })
    }
    from = stage.target
    stageStart += stage.durationMs
  }
  return steps
}

/** A VU slot: its VU (undefined when released), whether it should iterate, and its loop if one runs. */
interface Slot {
  vu: Vu | undefined
  wanted: boolean
  loop: Promise<void> | undefined
  rampDownTimer: NodeJS.Timeout | undefined
}

/**
 * ramping-vus: the VU count follows the stages. A VU removed in a ramp-down finishes its iteration within
 * `gracefulRampDownMs`, else it is interrupted (and that iteration not counted); one brought back before it
 * stopped simply keeps going.
 */
export async function runRampingVus (run: ScenarioRun, s: RampingVusScenario,
  vusOf: (n: number) => number = (n) => n): Promise<void> {
  const { ctx } = run
  const startAt = ctx.elapsedMs()
  const endAt = startAt + s.stages.reduce((sum, st) => sum + st.durationMs, 0)
  const slots: Slot[] = []
  const setTarget = (n: number): void => {
    for (let i = 0; i < slots.length || i < n; i++) {
      const slot = slots[i] ?? newSlot(slots)
      const wanted = i < n
      if (wanted === slot.wanted) continue
      slot.wanted = wanted
      clearTimeout(slot.rampDownTimer)
      if (wanted) {
        if (slot.loop === undefined) startLoop(run, slot, endAt)
      } else {
        slot.rampDownTimer = setTimeout(() => {
          if (!slot.wanted && slot.vu !== undefined) interruptSlot(run, slot)
        }, s.gracefulRampDownMs)
      }
    }
  }
  // A part of a segmented test follows the whole test's steps and holds its share of each target.
  let target = vusOf(s.startVUs)
  setTarget(target)
  for (const step of rampSchedule(s.startVUs, s.stages)) {
    if (vusOf(step.target) === target) continue
    await ctx.until(startAt + step.atMs)
    if (ctx.stopped) break
    target = vusOf(step.target)
    setTarget(target)
  }
  await ctx.until(endAt)
  for (const slot of slots) clearTimeout(slot.rampDownTimer)
  await run.finish(s.gracefulStopMs)
}

function newSlot (slots: Slot[]): Slot {
  const slot: Slot = { vu: undefined, wanted: false, loop: undefined, rampDownTimer: undefined }
  slots.push(slot)
  return slot
}

/** Runs a VU in the slot while it is wanted; the VU is released when its loop ends. */
function startLoop (run: ScenarioRun, slot: Slot, endAt: number): void {
  const vu = run.newVu()
  slot.vu = vu
  const loop = run.loop(vu, () => slot.wanted && run.ctx.elapsedMs() < endAt).finally(() => {
    run.release(vu)
    if (slot.loop !== loop) return
    slot.loop = undefined
    slot.vu = undefined
    // Wanted again after its last check: the slot needs a fresh loop.
    if (slot.wanted && run.ctx.elapsedMs() < endAt && !run.ctx.stopped) startLoop(run, slot, endAt)
  })
  slot.loop = loop
}

/** Ramp-down grace is over: the iteration in flight is interrupted; the slot is free for a new VU. */
function interruptSlot (run: ScenarioRun, slot: Slot): void {
  if (slot.vu !== undefined) run.release(slot.vu)
  slot.vu = undefined
  slot.loop = undefined
}
