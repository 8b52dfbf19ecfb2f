import type { FleetStatus } from '@loadfleet/api'
import type { FleetController } from './fleet-controller.js'
import type { FleetLogger, FleetScaler } from './fleet-scaler.js'

export interface ReconcilerOptions {
  kind: FleetStatus['scaler']
  scaler: FleetScaler
  getDesiredCount: () => Promise<number>
  intervalMs: number
  logger: FleetLogger
  /** Whether this replica leads (see leadership/): only the leader scales; the others report the desired count. */
  isLeader?: () => boolean
}

/** What a replica that does not lead says about the fleet: the leader applies the desired count. */
export const NOT_LEADER_NOTE = 'another control-plane replica (the leader) applies the desired count'

/**
 * Drives a scaler towards `k6DesiredAgentCount`: a pass every `intervalMs` (so a change made through another
 * control-plane replica is followed too) and one at once when the count changes here. Passes never overlap;
 * requests during a pass are coalesced into one more pass after it.
 */
export class FleetReconciler implements FleetController {
  readonly #o: ReconcilerOptions
  #desired = 0
  #running: number | null = null
  #note: string | null = null
  #lastError: string | null = null
  #lastReconcileAt: string | null = null
  #timer: NodeJS.Timeout | undefined
  #inFlight: Promise<void> | null = null
  #queued: Promise<FleetStatus> | null = null
  #stopped = false

  constructor (options: ReconcilerOptions) {
    this.#o = options
  }

  start (): void {
    this.#timer = setInterval(() => { void this.reconcileNow() }, this.#o.intervalMs)
    this.#timer.unref() // the HTTP server keeps the process alive, not the reconciler
  }

  status (): FleetStatus {
    return {
      scaler: this.#o.kind,
      desired: this.#desired,
      running: this.#o.scaler.running?.() ?? this.#running,
      lastReconcileAt: this.#lastReconcileAt,
      lastError: this.#lastError,
      note: this.#note,
    }
  }

  reconcileNow (): Promise<FleetStatus> {
    if (this.#inFlight === null) return this.#runPass()
    // One pass is running: queue exactly one more, shared by every caller that arrives meanwhile.
    this.#queued ??= this.#inFlight.then(() => {
      this.#queued = null
      return this.#runPass()
    })
    return this.#queued
  }

  desiredCountChanged (count: number): void {
    this.#desired = count
    void this.reconcileNow()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#inFlight
    await this.#o.scaler.stop()
  }

  async #runPass (): Promise<FleetStatus> {
    const pass = this.#pass()
    this.#inFlight = pass
    try {
      await pass
    } finally {
      if (this.#inFlight === pass) this.#inFlight = null
    }
    return this.status()
  }

  async #pass (): Promise<void> {
    if (this.#stopped) return
    try {
      this.#desired = await this.#o.getDesiredCount()
      if (this.#o.isLeader?.() === false) {
        this.#note = NOT_LEADER_NOTE
        this.#lastError = null
        this.#lastReconcileAt = new Date().toISOString()
        return
      }
      const report = await this.#o.scaler.scale(this.#desired)
      if (this.#lastError !== null) this.#o.logger.info({ desired: this.#desired }, 'fleet reconcile recovered')
      this.#running = report.running
      this.#note = report.note
      this.#lastError = null
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      // Log a failure once per streak, not every few seconds.
      if (this.#lastError !== message) this.#o.logger.warn({ desired: this.#desired, err: message }, 'fleet reconcile failed')
      this.#lastError = message
    }
    this.#lastReconcileAt = new Date().toISOString()
  }
}
