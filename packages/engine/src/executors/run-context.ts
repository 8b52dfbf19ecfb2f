import { Vu } from '../vu/vu.js'
import type { VirtualUser, VuShared } from '../vu/vu.js'
import type { MetricsRegistry } from '../metrics/index.js'

/**
 * State shared by every scenario of one run: the metrics, the clock origin, live VU counts and the hard stop.
 * Delays created here end early when the run is stopped, so no executor outlives an abort.
 */
export class RunContext {
  readonly metrics: MetricsRegistry
  /** performance.now() at the test start; scenario times are offsets from it. */
  readonly t0: number
  /** VUs currently taking part in a scenario (k6's `vus`). */
  active = 0
  /** VUs that exist right now. */
  allocated = 0
  /**
   * k6's `vus_max`: the VUs initialised before the start (every scenario's planned VUs, an arrival-rate scenario's
   * pre-allocated ones) plus those allocated later; it never falls, as k6 keeps its VUs until the end.
   */
  vusMax = 0
  /** Iterations cut short by a graceful-stop timeout or a hard stop; never recorded in `iterations` (k6's count). */
  interruptedIterations = 0
  readonly #stoppers = new Set<() => void>()
  #stopped = false

  constructor (metrics: MetricsRegistry, t0 = performance.now()) {
    this.metrics = metrics
    this.t0 = t0
  }

  get stopped (): boolean {
    return this.#stopped
  }

  /** Milliseconds since the test start. */
  elapsedMs (): number {
    return performance.now() - this.t0
  }

  /** A new VU of a scenario, counted in `vus_max` until `release`d. */
  createVu (shared: VuShared): VirtualUser {
    this.allocated++
    if (this.allocated > this.vusMax) this.reserveVus(this.allocated)
    const onInterrupted = (): void => { this.interruptedIterations++ }
    return shared.createVu?.(onInterrupted) ?? new Vu(shared, onInterrupted)
  }

  /** Raises `vus_max` to `n` VUs and samples it at once, so the gauge never misses a peak. */
  reserveVus (n: number): void {
    this.vusMax = Math.max(this.vusMax, n)
    this.metrics.vusMax.set(this.vusMax)
  }

  release (vu: VirtualUser): void {
    vu.interrupt()
    this.allocated--
  }

  /** Resolves after `ms`, or at once when the run stops. */
  delay (ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return this.waitFor(undefined, ms)
  }

  /** Resolves when `p` settles, after at most `ms`, or when the run stops; leaves no timer behind. */
  waitFor (p: Promise<unknown> | undefined, ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#stoppers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, ms))
      this.#stoppers.add(done)
      p?.then(done, done)
    })
  }

  /** Resolves when the test clock reaches `atMs` (an offset from the start), or when the run stops. */
  until (atMs: number): Promise<void> {
    return this.delay(atMs - this.elapsedMs())
  }

  /** Registers what to do on a hard stop (interrupt VUs); returns the unregister function. */
  onStop (fn: () => void): () => void {
    this.#stoppers.add(fn)
    return () => this.#stoppers.delete(fn)
  }

  /** Hard stop (signal or abortOnFail threshold): every delay ends, every scenario interrupts its VUs. */
  stop (): void {
    if (this.#stopped) return
    this.#stopped = true
    const stoppers = [...this.#stoppers]
    this.#stoppers.clear()
    for (const fn of stoppers) fn()
  }
}
