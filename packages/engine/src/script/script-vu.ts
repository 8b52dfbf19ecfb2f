import type { VirtualUser } from '../vu/vu.js'
import type { LoadedScript } from './load-script.js'
import { ScriptInstance } from './script-instance.js'
import type { ExecutionStats } from './runtime/k6-core.js'
import { ScriptVuState, TestAborted, VuInterrupted } from './runtime/vu-state.js'
import type { ScriptRunState } from './runtime/vu-state.js'

/** Tells of an exception a script threw, with the VU it happened in. */
export type ScriptErrorReporter = (err: unknown, where: { vu: number, scenario: string }) => void

/** What a scenario's script VUs share. */
export interface ScriptScenario {
  name: string
  exec: string
  env: Record<string, string>
  tags: Record<string, string>
  /** Iterations started so far in the scenario by this engine, across its VUs. */
  iterations: number
  /** The global number of the k-th iteration started here (k itself unless the test is segmented). */
  iterationNumber: (k: number) => number
}

/** A VU that runs a script's exec function as its iteration. Its init code runs once, before its first iteration. */
export class ScriptVu implements VirtualUser {
  readonly #state: ScriptVuState
  readonly #instance: ScriptInstance
  readonly #scenario: ScriptScenario
  readonly #ready: Promise<((data: unknown) => unknown) | undefined>
  readonly #onInterrupted: () => void
  readonly #report: ScriptErrorReporter
  #busy = false

  constructor (options: {
    script: LoadedScript
    run: ScriptRunState
    id: number
    /** The VU's number within this engine; `id` is its number in the whole (possibly segmented) test. */
    idInInstance: number
    scenario: ScriptScenario
    stats: ExecutionStats
    setupJson: () => string
    onInterrupted: () => void
    report: ScriptErrorReporter
  }) {
    const { run, id, scenario } = options
    this.#state = new ScriptVuState(run, id, options.idInInstance)
    this.#state.scenario = scenario.name
    this.#state.scenarioEnv = scenario.env
    this.#state.scenarioTags = scenario.tags
    this.#scenario = scenario
    this.#onInterrupted = options.onInterrupted
    this.#report = options.report
    this.#instance = new ScriptInstance(options.script, this.#state, options.stats)
    this.#ready = this.#init(options.setupJson)
    // Awaited by the first iteration; a failure is reported there, never left unhandled.
    this.#ready.catch(() => undefined)
  }

  get busy (): boolean {
    return this.#busy
  }

  get interrupted (): boolean {
    return this.#state.interrupted
  }

  async #init (setupJson: () => string): Promise<((data: unknown) => unknown) | undefined> {
    const exports = await this.#instance.init()
    const fn = exports[this.#scenario.exec]
    if (typeof fn !== 'function') throw new Error(`the script exports no function '${this.#scenario.exec}'`)
    // Each VU gets its own copy of setup's data, as in k6.
    const data: unknown = JSON.parse(setupJson())
    return (d) => (fn as (d: unknown) => unknown)(d ?? data)
  }

  async iterate (): Promise<boolean> {
    const state = this.#state
    if (state.interrupted) return false
    this.#busy = true
    try {
      let run: ((data: unknown) => unknown) | undefined
      try {
        run = await this.#ready
      } catch (err) {
        if (!state.interrupted) this.#report(err, { vu: state.idInTest, scenario: this.#scenario.name })
        return false
      }
      if (run === undefined || state.interrupted) return false
      this.#instance.setIteration(state.iterationInInstance)
      state.iterationInScenario = this.#scenario.iterations++
      state.iterationInTest = this.#scenario.iterationNumber(state.iterationInScenario)
      const startedAt = performance.now()
      try {
        await run(undefined)
      } catch (err) {
        if (state.interrupted || err instanceof VuInterrupted || err instanceof TestAborted) return false
        this.#report(err, { vu: state.idInTest, scenario: this.#scenario.name })
      }
      state.groupPath = ''
      if (state.interrupted) return false
      state.iterationInInstance++
      state.run.metrics?.recordIteration((performance.now() - startedAt) * 1000)
      return true
    } finally {
      this.#busy = false
    }
  }

  interrupt (): void {
    if (this.#state.interrupted) return
    if (this.#busy) this.#onInterrupted()
    this.#state.interrupt()
  }
}
