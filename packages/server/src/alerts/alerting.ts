import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { AlertChannelTestResult } from '@loadfleet/api'
import type { Database } from '../db/schema.js'
import type { Store } from '../db/store.js'
import type { Logger } from '../logger.js'
import { AlertChannelNotFound } from '../errors.js'
import { LeadershipLost, type Leadership } from '../leadership/leadership.js'
import { deliverDue, sendOpened, type DeliveryOptions } from './deliverer.js'
import { evaluateAlerts } from './evaluator.js'
import { generatorUrl, groupKeyOf, queueNotifications } from './notifier.js'
import { ZERO_TIME, renderBody } from './payloads.js'

export type AlertingOptions = { [K in keyof DeliveryOptions]?: DeliveryOptions[K] | undefined } & {
  /** Period between passes; a finished run also triggers one. */
  intervalMs?: number | undefined
  /** Base URL of the dashboard, for links in notifications (`externalURL`, `generatorURL`). */
  externalUrl?: string | undefined
}

export interface AlertingPassResult {
  /** False when another replica held the alerting lock, so this pass did nothing. */
  acted: boolean
  transitions: number
  queued: number
  delivered: number
}

const DEFAULTS = {
  intervalMs: 5000,
  timeoutMs: 10_000,
  retryBaseMs: 1000,
  retryMaxMs: 5 * 60_000,
  giveUpAfterMs: 24 * 3_600_000,
}
// pg_try_advisory_lock key every replica agrees on ("lfal" in ASCII); the reaper uses "lfre".
export const ALERTING_LOCK_KEY = 0x6c66616c
const NOT_ACTED: AlertingPassResult = Object.freeze({ acted: false, transitions: 0, queued: 0, delivered: 0 })
// A finished run is usually followed by others (several agents): wait this long to evaluate them in one pass.
const POKE_DELAY_MS = 200

/** Evaluates alert rules, queues notifications in the outbox and delivers them; one replica at a time. */
export class Alerting {
  readonly #store: Store
  readonly #log: Logger
  readonly #options: typeof DEFAULTS & { externalUrl: string }
  #timer: NodeJS.Timeout | undefined
  #poke: NodeJS.Timeout | undefined
  #running: Promise<AlertingPassResult> | undefined
  /** The tail of the passes of this process, run one after another. */
  #queue: Promise<unknown> = Promise.resolve()
  #stopped = false
  readonly #leadership: Leadership | undefined

  constructor (deps: {
    store: Store, log: Logger, externalUrl: string, options?: AlertingOptions | undefined
    /** Only the leader evaluates and notifies; without it any replica may (one at a time, by the advisory lock). */
    leadership?: Leadership
  }) {
    this.#store = deps.store
    this.#leadership = deps.leadership
    this.#log = deps.log
    const given = Object.fromEntries(Object.entries(deps.options ?? {}).filter(([, v]) => v !== undefined))
    this.#options = { ...DEFAULTS, externalUrl: deps.externalUrl, ...given }
  }

  start (): void {
    this.#timer = setInterval(() => { this.#background() }, this.#options.intervalMs)
    this.#background()
  }

  /** Asks for a pass soon (after a run finished); never runs two at once. */
  poke (): void {
    if (this.#stopped || this.#poke !== undefined) return
    this.#poke = setTimeout(() => {
      this.#poke = undefined
      this.#background()
    }, POKE_DELAY_MS)
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    clearTimeout(this.#poke)
    await this.#running?.catch(() => undefined)
  }

  #background (): void {
    if (this.#stopped || this.#running !== undefined) return // a slow pass is never overlapped by the next one
    this.#running = this.runOnce()
      .catch((err: unknown) => {
        this.#log.error({ err }, 'alerting pass failed')
        return { acted: false, transitions: 0, queued: 0, delivered: 0 }
      })
      .finally(() => { this.#running = undefined })
  }

  /** One pass: evaluate and queue in one transaction, then deliver what is due; after any pass already running. */
  async runOnce (): Promise<AlertingPassResult> {
    const pass = this.#queue.then(() => this.#lockedPass())
    this.#queue = pass.catch(() => undefined)
    return await pass
  }

  async #lockedPass (): Promise<AlertingPassResult> {
    if (this.#store.dialect !== 'postgres') return await this.#pass(this.#store.db)
    if (this.#leadership !== undefined && !this.#leadership.isLeader()) return NOT_ACTED
    // A session lock on one pooled connection: held across the delivery's network calls without an open
    // transaction, and released by PostgreSQL itself if this process dies.
    return await this.#store.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${ALERTING_LOCK_KEY}) as locked`.execute(conn)
      if (rows[0]?.locked !== true) return NOT_ACTED
      try {
        return await this.#pass(conn)
      } catch (err) {
        if (err instanceof LeadershipLost) return NOT_ACTED
        throw err
      } finally {
        await sql`select pg_advisory_unlock(${ALERTING_LOCK_KEY})`.execute(conn)
      }
    })
  }

  async #pass (db: Kysely<Database>): Promise<AlertingPassResult> {
    const { transitions, queued } = await db.transaction().execute(async (trx) => {
      // Queued notifications are sent once: a replica that lost the lease rolls back rather than queue them again.
      if (this.#store.dialect === 'postgres') await this.#leadership?.fence(trx)
      const now = Date.now()
      const evaluation = await evaluateAlerts(trx, now)
      const queued = await queueNotifications(trx, { now, externalUrl: this.#options.externalUrl })
      return { transitions: evaluation.transitions, queued }
    })
    if (transitions + queued > 0) this.#log.info({ transitions, queued }, 'alerting pass')
    const delivered = await deliverDue(db, { ...this.#options, log: this.#log, secrets: this.#store.secrets })
    return { acted: true, transitions, queued, delivered }
  }

  /** Sends a clearly marked test notification to a channel now, outside the outbox, and reports the outcome. */
  async sendTest (channelId: string): Promise<AlertChannelTestResult> {
    const channel = await this.#store.db.selectFrom('alert_channels').selectAll().where('id', '=', channelId).executeTakeFirst()
    if (channel === undefined) throw new AlertChannelNotFound({ id: channelId })
    const now = new Date().toISOString()
    const externalUrl = this.#options.externalUrl
    const body = renderBody(channel.type, {
      receiver: channel.name, groupKey: groupKeyOf('test'), status: 'firing', externalURL: externalUrl,
      groupLabels: { site_id: 'test', site: 'test' },
      alerts: [{
        status: 'firing',
        labels: { alertname: 'LoadfleetTestNotification', severity: 'info', site_id: 'test', site: 'test' },
        annotations: { summary: `Test notification from Loadfleet to channel "${channel.name}"`, description: 'Nothing is wrong.' },
        startsAt: now, endsAt: ZERO_TIME, generatorURL: generatorUrl(externalUrl, 'test'), fingerprint: 'test',
      }],
    })
    const result = await sendOpened(this.#store.secrets, channel, { body, notificationId: `test/${randomUUID()}`, timeoutMs: this.#options.timeoutMs })
    return { delivered: result.ok, httpStatus: result.httpStatus, error: result.error }
  }
}
