import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FleetLogger, FleetScaler, ScaleReport } from './fleet-scaler.js'

export interface ProcessScalerOptions {
  /** The program and arguments that start one agent (`node <cli bin> agent`). */
  command: string
  args: string[]
  serverUrl: string
  agentToken: string
  /** Each agent gets `<dataDir>/agents/<name>` as TMP_DIR, and its log file there. */
  dataDir: string
  /** The control plane's environment; only agent settings are passed on (never the admin credentials). */
  env: Record<string, string | undefined>
  logger: FleetLogger
  /** After SIGTERM, how long an agent may take to flush before SIGKILL. */
  stopGraceMs?: number
}

interface Slot {
  index: number
  name: string
  child: ChildProcess | null
  restarts: number
  startedAt: number
  restartTimer: NodeJS.Timeout | undefined
}

const STOP_GRACE_MS = 10_000
// A crash-looping agent is restarted after 1 s, 2 s, 4 s … at most 30 s; a minute of uptime forgives the past.
const RESTART_BASE_MS = 1000
const RESTART_MAX_MS = 30_000
const HEALTHY_UPTIME_MS = 60_000
const LOG_ROTATE_BYTES = 10 * 1024 * 1024
const PASSED_ENV = new RegExp('^(PATH|HOME|LANG|LC_[A-Z]+|TZ|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|SYSTEMROOT' +
  '|POLL_INTERVAL_MS|HEARTBEAT_INTERVAL_MS|K6_[A-Z_]+|MAX_CONCURRENT_RUNS)$')

/** Agents as child processes of the control plane, named `k6agent-<i>`; the fleet of `loadfleet up`. */
export class ProcessScaler implements FleetScaler {
  readonly #o: ProcessScalerOptions
  readonly #slots = new Map<number, Slot>()
  /** Agents told to stop (scale-down) that have not exited yet, by name. */
  readonly #retiring = new Map<string, Promise<void>>()
  #desired = 0
  #stopped = false

  constructor (options: ProcessScalerOptions) {
    this.#o = options
  }

  scale (desired: number): Promise<ScaleReport> {
    this.#desired = desired
    this.#converge()
    return Promise.resolve({ running: this.running(), note: null })
  }

  running (): number {
    let count = 0
    for (const slot of this.#slots.values()) if (slot.child !== null) count++
    return count
  }

  /** Agents and their process ids, for tests and diagnostics. */
  agents (): Array<{ name: string, pid: number | undefined }> {
    return [...this.#slots.values()].map((s) => ({ name: s.name, pid: s.child?.pid }))
  }

  async stop (): Promise<void> {
    this.#stopped = true
    const slots = [...this.#slots.values()]
    this.#slots.clear()
    await Promise.all([...slots.map((slot) => this.#terminate(slot)), ...this.#retiring.values()])
  }

  #converge (): void {
    if (this.#stopped) return
    // Scale down from the highest number, so the names that remain stay k6agent-0 … k6agent-(n-1).
    const extra = [...this.#slots.values()].filter((s) => s.index >= this.#desired).sort((a, b) => b.index - a.index)
    for (const slot of extra) {
      this.#slots.delete(slot.index)
      const exited = this.#terminate(slot).finally(() => {
        this.#retiring.delete(slot.name)
        this.#converge()
      })
      this.#retiring.set(slot.name, exited)
    }
    for (let index = 0; index < this.#desired; index++) {
      const name = `k6agent-${index}`
      // Wait for an agent of the same name to finish: they would share a spool directory.
      if (this.#slots.has(index) || this.#retiring.has(name)) continue
      const slot: Slot = { index, name, child: null, restarts: 0, startedAt: 0, restartTimer: undefined }
      this.#slots.set(index, slot)
      this.#spawn(slot)
    }
  }

  #spawn (slot: Slot): void {
    const dir = join(this.#o.dataDir, 'agents', slot.name)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const logFile = join(dir, 'agent.log')
    rotate(logFile)
    const fd = openSync(logFile, 'a', 0o600)
    try {
      const child = spawn(this.#o.command, this.#o.args, { env: this.#childEnv(slot.name, dir), stdio: ['ignore', fd, fd] })
      slot.child = child
      slot.startedAt = Date.now()
      child.once('error', (err) => { this.#o.logger.error({ agent: slot.name, err: err.message }, 'agent failed to start') })
      child.once('exit', (code, signal) => { this.#onExit(slot, child, code, signal) })
      this.#o.logger.info({ agent: slot.name, pid: child.pid, log: logFile }, 'agent started')
    } finally {
      closeSync(fd) // the child holds its own copy
    }
  }

  #childEnv (name: string, tmpDir: string): Record<string, string> {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(this.#o.env)) {
      if (value !== undefined && PASSED_ENV.test(key)) env[key] = value
    }
    return {
      ...env, DASHBOARD_URL: this.#o.serverUrl, DASHBOARD_SECRET: this.#o.agentToken, AGENT_NAME: name, TMP_DIR: tmpDir,
      LOADFLEET_PARENT_PID: String(process.pid), // no orphans if the control plane is killed outright
    }
  }

  #onExit (slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return
    slot.child = null
    if (this.#stopped || this.#slots.get(slot.index) !== slot) return // stopped on purpose
    if (Date.now() - slot.startedAt >= HEALTHY_UPTIME_MS) slot.restarts = 0
    const delayMs = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** slot.restarts++)
    this.#o.logger.warn({ agent: slot.name, code, signal, restartInMs: delayMs }, 'agent exited; restarting')
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined
      if (!this.#stopped && this.#slots.get(slot.index) === slot) this.#spawn(slot)
    }, delayMs)
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  #terminate (slot: Slot): Promise<void> {
    clearTimeout(slot.restartTimer)
    const child = slot.child
    if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      const kill = setTimeout(() => {
        this.#o.logger.warn({ agent: slot.name }, 'agent did not stop in time; killing it')
        child.kill('SIGKILL')
      }, this.#o.stopGraceMs ?? STOP_GRACE_MS)
      child.once('exit', () => {
        clearTimeout(kill)
        this.#o.logger.info({ agent: slot.name }, 'agent stopped')
        resolve()
      })
      child.kill('SIGTERM')
    })
  }
}

function rotate (file: string): void {
  try {
    if (statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`)
  } catch {
    // no log yet
  }
}
