import type { HttpClient, HttpRequestSpec, HttpSample } from '../../http/index.js'
import type { MetricsRegistry } from '../../metrics/index.js'
import { CookieJar } from './cookie-jar.js'

/** A script value as text: strings as they are, objects as JSON (never `[object Object]`). */
export function text (value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/** Thrown into a script whose VU was stopped, so the rest of its iteration does not run. */
export class VuInterrupted extends Error {
  constructor () {
    super('the VU was stopped')
  }
}

/** Thrown by `fail()`: ends the iteration with its message, as in k6. */
export class ScriptFailure extends Error {}

/** Thrown by `test.abort()`: ends the test, exit code 108. */
export class TestAborted extends Error {}

/** What every VU of one script run shares. */
export interface ScriptRunState {
  env: Record<string, string>
  /** Unset while only the options are read, before the run exists. */
  metrics: MetricsRegistry | undefined
  /** Built once per name and shared read-only by every VU (k6/data SharedArray). */
  sharedArrays: Map<string, readonly unknown[]>
  /** Request specs of plain requests (no body or params), by method and URL, shared by every VU. */
  plainSpecs: Map<string, HttpRequestSpec>
  /** File contents `open()` read, shared by every VU (they all read the same files in their init code). */
  opened: Map<string, string | ArrayBuffer>
  createClient: (onSample: (s: HttpSample) => void) => HttpClient
  /** Stops the whole test (`test.abort()`). */
  abort: (reason: string) => void
  /** The run's scenario names and options, for k6/execution. */
  options: Record<string, unknown>
  /** Test start (epoch ms), once known. */
  startedAt: number
  /** Statuses counted as success unless a request or `http.setResponseCallback` says otherwise. */
  defaultExpected: (status: number) => boolean
  maxRedirects: number
  timeoutMs: number
  discardResponseBodies: boolean
}

/** One HTTP client of a VU and the hops of its request in flight. */
export interface Channel {
  client: HttpClient
  hops: HttpSample[]
}

/** The per-VU state the k6 modules act on. */
export class ScriptVuState {
  readonly run: ScriptRunState
  /** k6's `__VU` / `vu.idInTest`; 0 for setup, teardown and the options read. */
  readonly idInTest: number
  /** The VU's number within this engine (equal to `idInTest` unless the test is segmented). */
  readonly idInInstance: number
  scenario = 'default'
  scenarioTags: Record<string, string> = {}
  scenarioEnv: Record<string, string> = {}
  iterationInInstance = 0
  iterationInScenario = 0
  /** The running iteration's number across the whole test, every part of a segmented test included. */
  iterationInTest = 0
  /** k6's group path, `::outer::inner`; '' at the root. */
  groupPath = ''
  /** Set by the script through `vu.tags`; added to its custom metric samples. */
  readonly tags: Record<string, string> = {}
  interrupted = false
  /** The VU's cookies, sent back automatically as in k6. */
  readonly cookies = new CookieJar()
  /** Expected statuses set by `http.setResponseCallback`, per VU as in k6. */
  expected: ((status: number) => boolean) | undefined
  /** Sparse: batch channels are created on first use. */
  readonly #channels: Array<Channel | undefined> = []
  #sleepTimer: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined

  constructor (run: ScriptRunState, idInTest: number, idInInstance = idInTest) {
    this.run = run
    this.idInTest = idInTest
    this.idInInstance = idInInstance
  }

  /** The VU's i-th client: 0 for ordinary requests, more for the parallel requests of `http.batch`. */
  channel (i: number): Channel {
    let ch = this.#channels[i]
    if (ch === undefined) {
      const hops: HttpSample[] = []
      const created: Channel = {
        hops,
        client: this.run.createClient((s) => { if (!this.interrupted) hops.push(s) }),
      }
      this.#channels[i] = created
      ch = created
    }
    return ch
  }

  /** Throws when the VU was stopped: every k6 call checks this, so a stopped iteration ends at its next one. */
  ensureRunning (): void {
    if (this.interrupted) throw new VuInterrupted()
  }

  sleep (ms: number): Promise<void> {
    this.ensureRunning()
    if (!(ms > 0)) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#wake = resolve
      this.#sleepTimer = setTimeout(resolve, ms)
    }).then(() => {
      this.#wake = undefined
      this.ensureRunning()
    })
  }

  interrupt (): void {
    if (this.interrupted) return
    this.interrupted = true
    clearTimeout(this.#sleepTimer)
    this.#wake?.()
    for (const ch of this.#channels) ch?.client.close()
  }
}
