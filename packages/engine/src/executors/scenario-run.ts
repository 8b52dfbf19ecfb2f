import type { VirtualUser as Vu, VuShared } from '../vu/vu.js'
import type { RunContext } from './run-context.js'

/**
 * The VUs of one running scenario and their loops. Ends with k6's graceful stop: iterations still running when
 * the scenario's time is up get `gracefulStopMs` to finish, then are interrupted and not counted.
 */
export class ScenarioRun {
  readonly ctx: RunContext
  readonly shared: VuShared
  readonly #vus = new Set<Vu>()
  readonly #loops = new Set<Promise<void>>()
  readonly #unregister: () => void

  constructor (ctx: RunContext, shared: VuShared) {
    this.ctx = ctx
    this.shared = shared
    this.#unregister = ctx.onStop(() => this.interruptAll())
  }

  /** A new VU, counted as active until released. */
  newVu (): Vu {
    const vu = this.ctx.createVu(this.shared)
    this.#vus.add(vu)
    this.ctx.active++
    this.ctx.metrics.vus.noteMax(this.ctx.active)
    return vu
  }

  /** Interrupts the VU and forgets it. */
  release (vu: Vu): void {
    if (!this.#vus.delete(vu)) return
    this.ctx.active--
    this.ctx.release(vu)
  }

  /** Runs `vu` through iterations while `more()` says so; the loop is tracked for the graceful stop. */
  loop (vu: Vu, more: () => boolean): Promise<void> {
    const p = runLoop(vu, more).finally(() => this.#loops.delete(p))
    this.#loops.add(p)
    return p
  }

  /** Tracks one iteration started outside a loop (arrival-rate executors). */
  track (p: Promise<unknown>): void {
    const tracked = p.then(() => undefined).finally(() => this.#loops.delete(tracked))
    this.#loops.add(tracked)
  }

  /**
   * Waits for the running loops for at most `graceMs` (resolving early on a hard stop), then interrupts whatever is
   * still running and releases every VU.
   */
  async finish (graceMs: number): Promise<void> {
    if (this.#loops.size > 0 && !this.ctx.stopped) {
      await this.ctx.waitFor(Promise.all(this.#loops), graceMs)
    }
    this.interruptAll()
    this.#unregister()
  }

  interruptAll (): void {
    for (const vu of [...this.#vus]) this.release(vu)
  }
}

async function runLoop (vu: Vu, more: () => boolean): Promise<void> {
  while (!vu.interrupted && more()) {
    if (!await vu.iterate()) return
  }
}
