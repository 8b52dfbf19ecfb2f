import type { ApiClient } from '@loadfleet/api/client'
import { backoffDelayMs, sleep } from './backoff.js'
import { AgentTokenRejected, classifyFailure } from './failure.js'
import type { Spool, SpoolRecord } from './spool.js'
import { errorText, type Logger } from './logger.js'

export interface DelivererOptions {
  client: ApiClient
  agentName: string
  spool: Spool
  logger: Logger
  /** Registers the agent again when the server has forgotten it. */
  reregister: () => Promise<void>
  onFatal: (err: AgentTokenRejected) => void
}

/**
 * Sends spooled run starts and results in order, each exactly once: a run's start before its finish, and
 * a record leaves the spool only after the server acknowledged it. Transient failures back off (full
 * jitter, ≤ 30 s) and retry forever; the agent-made run id makes a retried request idempotent server-side.
 */
export class Deliverer {
  readonly #o: DelivererOptions
  #running: Promise<void> | null = null
  #again = false
  #attempt = 0
  #stopped = new AbortController()

  constructor (options: DelivererOptions) {
    this.#o = options
  }

  /** Starts a delivery pass unless one is running (then it runs once more afterwards). */
  kick (): void {
    if (this.#running !== null) {
      this.#again = true
      return
    }
    this.#running = this.#loop().finally(() => { this.#running = null })
  }

  /** Delivers everything deliverable within `timeoutMs`; true when nothing finished is left behind. */
  async flush (timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    this.#attempt = 0
    while (Date.now() < deadline && this.#deliverable().length > 0) {
      this.kick()
      await Promise.race([this.#running, sleep(Math.max(0, deadline - Date.now()))])
    }
    return this.#deliverable().length === 0
  }

  /** Stops retrying (pending records stay spooled for the next start). */
  stop (): void {
    this.#stopped.abort()
  }

  #deliverable (): SpoolRecord[] {
    return this.#o.spool.pending().filter((r) => !r.startDelivered || r.finish !== null)
  }

  async #loop (): Promise<void> {
    do {
      this.#again = false
      for (const record of this.#deliverable()) {
        if (this.#stopped.signal.aborted) return
        const ok = await this.#deliver(record)
        if (!ok) {
          // Keep the order: wait, then start the pass again from the oldest record.
          await sleep(backoffDelayMs(this.#attempt++), this.#stopped.signal)
          this.#again = true
          break
        }
        this.#attempt = 0
      }
    } while (this.#again && !this.#stopped.signal.aborted)
  }

  /** One record; false on a transient failure. */
  async #deliver (record: SpoolRecord): Promise<boolean> {
    const { client, agentName, spool } = this.#o
    if (!record.startDelivered) {
      const sent = await this.#send(record, 'start', () => client.startRun(agentName, record.start))
      if (sent === 'retry') return false
      await spool.markStartDelivered(record.runId)
    }
    if (record.finish !== null) {
      const finish = record.finish
      const sent = await this.#send(record, 'finish', () => client.finishRun(agentName, record.runId, finish))
      if (sent === 'retry') return false
      await spool.remove(record.runId)
      // A refused result was not delivered: say so, never `result_delivered`.
      if (sent === 'sent') this.#o.logger.log('info', 'result_delivered', { runId: record.runId, status: finish.status })
    }
    return true
  }

  /** `sent`, `retry` (transient), or `dropped` (refused for good and logged as such). */
  async #send (record: SpoolRecord, step: 'start' | 'finish', call: () => Promise<unknown>):
  Promise<'sent' | 'retry' | 'dropped'> {
    try {
      await call()
      return 'sent'
    } catch (err) {
      const kind = classifyFailure(err)
      const fields = { runId: record.runId, step, error: errorText(err) }
      switch (kind) {
        case 'transient':
          this.#o.logger.log('warn', 'delivery_retry', { ...fields, attempt: this.#attempt + 1 })
          return 'retry'
        case 'fatal':
          this.#o.onFatal(new AgentTokenRejected({ cause: err }))
          this.stop()
          return 'retry'
        case 'unknown-agent':
          await this.#o.reregister().catch(() => {})
          return 'retry'
        case 'conflict':
          // 409: the control plane already holds a different result for this run; resending cannot change that.
          this.#o.logger.log('warn', step === 'finish' ? 'result_conflict' : 'delivery_dropped', {
            ...fields, reason: 'conflict',
            ...(step === 'finish' ? { message: 'the control plane holds a different result for this run; ours is dropped' } : {}),
          })
          return 'dropped'
        case 'rejected':
          // Refused as invalid: resending can never succeed, so drop it.
          this.#o.logger.log('warn', 'delivery_dropped', { ...fields, reason: kind })
          return 'dropped'
      }
    }
  }
}
