import { ApiError, type ApiClient, type RunStart } from '@loadfleet/api/client'
import type { AgentSession } from './agent-session.js'
import { backoffDelayMs, sleep } from './backoff.js'
import { AgentTokenRejected, classifyFailure } from './failure.js'
import type { Spool, SpooledFinish, SpoolRecord } from './spool.js'
import { errorText, type Logger } from './logger.js'

// Statuses that mean "the control plane (or the proxy before it) is unavailable", not "this result is bad":
// such failures are retried for as long as it takes, like a refused connection.
const UNAVAILABLE_STATUSES = new Set([502, 503, 504])
/** Default bound on attempts for a result the control plane keeps failing on (500 and other 5xx). */
export const DEFAULT_DELIVERY_MAX_ATTEMPTS = 8

/** Where runs' starts and results go: the load agents' routes, or the browser agents'. */
export interface RunReporter {
  start (client: ApiClient, agentName: string, start: RunStart): Promise<unknown>
  finish (client: ApiClient, agentName: string, runId: string, finish: SpooledFinish): Promise<unknown>
}

const LOAD_REPORTER: RunReporter = {
  start: (client, agentName, start) => client.startRun(agentName, start),
  finish: (client, agentName, runId, finish) => client.finishRun(agentName, runId, finish),
}

export interface DelivererOptions {
  /** Sends with this agent's credential, registering again after a 401. */
  session: AgentSession
  agentName: string
  spool: Spool
  logger: Logger
  /** Attempts after which a result the server keeps answering 5xx for is dead-lettered. */
  maxAttempts?: number | undefined
  onFatal: (err: AgentTokenRejected) => void
  /** The load agents' routes unless given. */
  reporter?: RunReporter
}

interface RetryState { attempts: number, failures: number, nextAt: number }

type Outcome = 'delivered' | 'retry' | 'dead-lettered' | 'stopped'

/**
 * Sends spooled run starts and results, each exactly once and each independently of the others: a run's start
 * before its finish, and a record leaves the spool only after the server acknowledged it (or it was dead-lettered).
 * - 4xx (other than 401/404-unknown-agent/408/429; 403 included): permanent; the record is dead-lettered with the
 *   reason, logged once, and delivery moves on.
 * - 401: the session registers again and retries once; a 401 after that is retried with backoff like an outage.
 * - 500 and other 5xx: retried with backoff (full jitter, ≤ 30 s) per record, without holding back the others;
 *   after `maxAttempts` the record is dead-lettered.
 * - Network errors, 502/503/504, 408, 429: the control plane is unavailable; retried until it is back (results
 *   are never given up because of an outage). The agent-made run id makes every retry idempotent server-side.
 */
export class Deliverer {
  readonly #o: DelivererOptions
  readonly #maxAttempts: number
  readonly #retry = new Map<string, RetryState>()
  #running: Promise<void> | null = null
  #again = false
  #wake = new AbortController()
  #stopped = new AbortController()
  #deadLetters = 0

  constructor (options: DelivererOptions) {
    this.#o = options
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_DELIVERY_MAX_ATTEMPTS
  }

  /** Results given up since this process started (reported in heartbeats). */
  get deadLetters (): number {
    return this.#deadLetters
  }

  /** Starts a delivery pass unless one is running (then that one goes round once more, at once). */
  kick (): void {
    if (this.#running !== null) {
      this.#again = true
      this.#wake.abort()
      return
    }
    this.#running = this.#loop()
      // Nothing in a pass is meant to throw (spool writes report their failures); should anything, the records
      // stay spooled for the next kick rather than the rejection ending the process.
      .catch((err: unknown) => { this.#o.logger.log('error', 'delivery_pass_failed', { error: errorText(err) }) })
      .finally(() => { this.#running = null })
  }

  /** Delivers everything deliverable within `timeoutMs`; true when nothing finished is left behind. */
  async flush (timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    for (const state of this.#retry.values()) state.nextAt = 0
    while (Date.now() < deadline && this.#deliverable().length > 0) {
      this.kick()
      await Promise.race([this.#running, sleep(Math.max(0, deadline - Date.now()))])
    }
    return this.#deliverable().length === 0
  }

  /** Stops retrying (pending records stay spooled for the next start). */
  stop (): void {
    this.#stopped.abort()
    this.#wake.abort()
  }

  #deliverable (): SpoolRecord[] {
    return this.#o.spool.pending().filter((r) => !r.startDelivered || r.finish !== null)
  }

  async #loop (): Promise<void> {
    while (!this.#stopped.signal.aborted) {
      this.#again = false
      const now = Date.now()
      for (const record of this.#deliverable()) {
        if (this.#stopped.signal.aborted) return
        if ((this.#retry.get(record.runId)?.nextAt ?? 0) > now) continue // backing off; the others go ahead
        await this.#deliver(record)
      }
      if (this.#again) continue
      const waiting = this.#deliverable().map((r) => this.#retry.get(r.runId)?.nextAt).filter((t) => t !== undefined)
      if (waiting.length === 0) return
      // Sleep until the earliest retry is due; a kick (a new result, the control plane back) wakes it early.
      this.#wake = new AbortController()
      if (this.#again) continue
      await sleep(Math.max(0, Math.min(...waiting) - Date.now()),
        AbortSignal.any([this.#stopped.signal, this.#wake.signal]))
    }
  }

  async #deliver (record: SpoolRecord): Promise<Outcome> {
    const { session, agentName, spool } = this.#o
    const reporter = this.#o.reporter ?? LOAD_REPORTER
    if (!record.startDelivered) {
      const outcome = await this.#send(record, 'start',
        () => session.call('start', (client) => reporter.start(client, agentName, record.start)))
      if (outcome !== 'delivered') return outcome
      await spool.markStartDelivered(record.runId)
    }
    if (record.finish !== null) {
      const finish = record.finish
      const outcome = await this.#send(record, 'finish',
        () => session.call('finish', (client) => reporter.finish(client, agentName, record.runId, finish)))
      if (outcome !== 'delivered') return outcome
      await spool.remove(record.runId)
      this.#retry.delete(record.runId)
      this.#o.logger.log('info', 'result_delivered', { runId: record.runId, status: finish.status })
    }
    return 'delivered'
  }

  async #send (record: SpoolRecord, step: 'start' | 'finish', call: () => Promise<unknown>): Promise<Outcome> {
    try {
      await call()
      return 'delivered'
    } catch (err) {
      const kind = classifyFailure(err)
      switch (kind) {
        case 'fatal':
          this.#o.onFatal(err instanceof AgentTokenRejected ? err : new AgentTokenRejected({ cause: err }))
          this.stop()
          return 'stopped'
        case 'unknown-agent':
          await this.#o.session.register().catch(() => {})
          return this.#backOff(record, step, err, false)
        case 'transient':
          return this.#backOff(record, step, err, isServerFailure(err))
        case 'conflict': {
          // 409: the control plane already holds a different result for this run; resending cannot change that.
          this.#o.logger.log('warn', step === 'finish' ? 'result_conflict' : 'delivery_dropped', {
            runId: record.runId, step, error: errorText(err), reason: 'conflict',
            ...(step === 'finish' ? { message: 'the control plane holds a different result for this run; ours is dropped' } : {}),
          })
          this.#retry.delete(record.runId)
          await this.#o.spool.remove(record.runId)
          return 'dead-lettered'
        }
        case 'rejected':
          // Refused as invalid (4xx): resending can never succeed.
          return await this.#deadLetter(record, step, err, 'rejected')
      }
    }
  }

  async #backOff (record: SpoolRecord, step: 'start' | 'finish', err: unknown, counts: boolean): Promise<Outcome> {
    const state = this.#retry.get(record.runId) ?? { attempts: 0, failures: 0, nextAt: 0 }
    state.attempts++
    if (counts) state.failures++
    this.#retry.set(record.runId, state)
    if (state.failures >= this.#maxAttempts) {
      return await this.#deadLetter(record, step, err, 'retries exhausted')
    }
    const delayMs = backoffDelayMs(state.attempts - 1)
    state.nextAt = Date.now() + delayMs
    this.#o.logger.log('warn', 'delivery_retry', {
      runId: record.runId, step, attempt: state.attempts, retryInMs: delayMs, error: errorText(err),
    })
    return 'retry'
  }

  async #deadLetter (record: SpoolRecord, step: 'start' | 'finish', err: unknown, reason: string): Promise<Outcome> {
    const attempts = (this.#retry.get(record.runId)?.attempts ?? 0) + (reason === 'retries exhausted' ? 0 : 1)
    this.#retry.delete(record.runId)
    this.#deadLetters++
    await this.#o.spool.remove(record.runId)
    this.#o.logger.log('error', 'result_dead_lettered', {
      runId: record.runId, targetId: record.start.targetId, step, reason, attempts,
      status: err instanceof ApiError ? err.status : null, code: err instanceof ApiError ? err.code : null,
      error: errorText(err), runStatus: record.finish?.status ?? null, deadLetters: this.#deadLetters,
    })
    return 'dead-lettered'
  }
}

/** A 5xx that is not "unavailable": the control plane answered and failed on this very request. */
function isServerFailure (err: unknown): boolean {
  return err instanceof ApiError && err.status >= 500 && !UNAVAILABLE_STATUSES.has(err.status)
}
