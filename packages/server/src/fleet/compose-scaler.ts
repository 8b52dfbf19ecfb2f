import type { CommandRunner } from './command-runner.js'
import type { FleetScaler, ScaleReport } from './fleet-scaler.js'

export interface ComposeScalerOptions {
  /** COMPOSE_PROJECT (`-p`). */
  project: string
  /** COMPOSE_FILE (`-f`). */
  file: string
  run: CommandRunner
  /** The Compose service of the agents. */
  service?: string
}

const AGENT_SERVICE = 'k6agent'

/** Scales the agents' Compose service with `docker compose … up -d --scale k6agent=N --no-recreate`. */
export class ComposeScaler implements FleetScaler {
  readonly #o: ComposeScalerOptions
  #applied: number | null = null

  constructor (options: ComposeScalerOptions) {
    this.#o = options
  }

  async scale (desired: number): Promise<ScaleReport> {
    const before = await this.#countRunning()
    // `up` is slow (it inspects every container): run it only when the count is off or was never applied.
    if (this.#applied !== desired || before !== desired) {
      const service = this.#o.service ?? AGENT_SERVICE
      await this.#compose(['up', '-d', '--scale', `${service}=${desired}`, '--no-recreate'])
      this.#applied = desired
      return { running: await this.#countRunning(), note: null }
    }
    return { running: before, note: null }
  }

  stop (): Promise<void> {
    return Promise.resolve() // containers outlive the control plane on purpose
  }

  async #countRunning (): Promise<number | null> {
    try {
      const out = await this.#compose(['ps', '--status', 'running', '-q', this.#o.service ?? AGENT_SERVICE])
      return out.split('\n').filter((line) => line.trim() !== '').length
    } catch {
      return null // the `up` that follows reports the real problem
    }
  }

  async #compose (args: string[]): Promise<string> {
    const full = ['compose', '-p', this.#o.project, '-f', this.#o.file, ...args]
    const result = await this.#o.run('docker', full)
    if (result.code !== 0) {
      const detail = result.stderr.trim().split('\n').at(-1) ?? ''
      throw new Error(`docker ${full.join(' ')} exited with ${result.code}${detail === '' ? '' : `: ${detail}`}`)
    }
    return result.stdout
  }
}
