import type { HttpClient, HttpSample } from '../http/types.js'
import type { MetricsRegistry } from '../metrics/index.js'
import { isExpected } from './steps.js'
import type { PreparedStep } from './steps.js'

/** What executors need of a virtual user, whatever runs its iterations (request steps or a script). */
export interface VirtualUser {
  readonly busy: boolean
  readonly interrupted: boolean
  /** Runs one iteration; resolves true when it completed (an interrupted one is not counted). */
  iterate (): Promise<boolean>
  /** Stops the VU now: the iteration in flight is abandoned and its connections closed. */
  interrupt (): void
}

/** What every VU of a scenario shares. */
export interface VuShared {
  metrics: MetricsRegistry
  steps: readonly PreparedStep[]
  sleepMs: number
  createClient: (onSample: (s: HttpSample) => void) => HttpClient
  /** Builds the scenario's VUs instead of the request-step `Vu` (scripts). */
  createVu?: (onInterrupted: () => void) => VirtualUser
}

/**
 * A virtual user: one HTTP client (so its own keep-alive connections, as in k6) and the iteration loop body.
 * Once interrupted a VU is finished: its client is closed and whatever it was doing is dropped, not recorded.
 */
export class Vu implements VirtualUser {
  readonly #shared: VuShared
  readonly #client: HttpClient
  /** Hops of the request in flight; recorded when it resolves, because only then is the final hop known. */
  readonly #hops: HttpSample[] = []
  /** Hops in `#hops`: a count, so the hot path never truncates the array. */
  #hopCount = 0
  #interrupted = false
  #busy = false
  #sleepTimer: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined
  readonly #onInterrupted: () => void

  /** `onInterrupted` is told of each iteration that started but was cut short by `interrupt`. */
  constructor (shared: VuShared, onInterrupted: () => void = () => undefined) {
    this.#shared = shared
    this.#onInterrupted = onInterrupted
    this.#client = shared.createClient((s) => {
      if (!this.#interrupted) this.#hops[this.#hopCount++] = s
    })
  }

  /** True while an iteration runs. */
  get busy (): boolean {
    return this.#busy
  }

  get interrupted (): boolean {
    return this.#interrupted
  }

  /** Runs one iteration: every step in order, then the think time. Resolves true when it completed. */
  async iterate (): Promise<boolean> {
    if (this.#interrupted) return false
    this.#busy = true
    const startedAt = performance.now()
    const { steps, metrics, sleepMs } = this.#shared
    try {
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i] as PreparedStep
        this.#hopCount = 0
        const response = await this.#client.request(step.request)
        if (this.#interrupted) return false
        this.#recordStep(step, response.status, response.errorKind === null)
      }
      if (sleepMs > 0) {
        await this.#sleep(sleepMs)
        if (this.#interrupted) return false
      }
      metrics.recordIteration((performance.now() - startedAt) * 1000)
      return true
    } finally {
      this.#busy = false
    }
  }

  #recordStep (step: PreparedStep, finalStatus: number, transportOk: boolean): void {
    const { metrics } = this.#shared
    const hops = this.#hops
    const last = this.#hopCount - 1
    for (let i = 0; i <= last; i++) {
      const hop = hops[i]
      if (hop === undefined) continue
      // A followed redirect is not the step's answer: only the final hop is judged against expect.status.
      const expected = i === last ? isExpected(step, hop.status) && hop.errorKind === null : hop.errorKind === null
      metrics.recordHttp(hop, expected, step.origin)
    }
    if (step.checkIndex >= 0) metrics.recordCheck(step.checkIndex, transportOk && isExpected(step, finalStatus))
    this.#hopCount = 0
  }

  #sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      this.#sleepTimer = setTimeout(resolve, ms)
    })
  }

  /** Stops the VU now: the iteration in flight is abandoned and not counted, the connections are closed. */
  interrupt (): void {
    if (this.#interrupted) return
    this.#interrupted = true
    // The request in flight may never settle once its client is closed, so the iteration is counted here.
    if (this.#busy) this.#onInterrupted()
    this.#hopCount = 0
    clearTimeout(this.#sleepTimer)
    this.#wake?.()
    this.#client.close()
  }
}
