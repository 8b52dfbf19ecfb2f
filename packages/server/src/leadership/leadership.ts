import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Logger } from '../logger.js'

/**
 * Which control-plane replica runs the singletons (reaper, fleet reconciler, alert evaluation and notifications).
 * On SQLite there is one process, always the leader. On PostgreSQL a lease row: the holder renews it every
 * lease/3; another replica takes it over once it has expired, with the next fencing token.
 */
export interface Leadership {
  /** This replica's id in the lease row (random per process). */
  readonly id: string
  /** Whether this replica holds an unexpired lease, by its own clock (stepping down before the lease can lapse). */
  isLeader (): boolean
  /** The fencing token of the lease held, null when not leader. */
  token (): number | null
  /**
   * Inside a write transaction: proves the lease is still this replica's and keeps it from being taken over until
   * the transaction ends (a shared row lock), else throws LeadershipLost and the transaction rolls back.
   */
  fence (trx: Kysely<Database>): Promise<void>
  start (): Promise<void>
  /** Stops renewing and releases the lease, so another replica takes over at once. */
  stop (): Promise<void>
}

export interface LeadershipOptions {
  /** How long a lease lasts without renewal; a SIGKILLed leader is replaced within about 4/3 of it. */
  leaseMs?: number
}

// Long enough that a GC pause or a slow query does not cost the lease; short enough that a lost leader's work
// (reaping, notifications) resumes elsewhere within half a minute.
export const DEFAULT_LEASE_MS = 15_000
const LEASE_NAME = 'control-plane'
// The database's clock, in epoch ms, so replicas with skewed clocks agree on when a lease expires.
const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`

/** SQLite: one process owns the database file, so it always leads. */
export class SoleLeadership implements Leadership {
  readonly id = 'sole'
  isLeader (): boolean { return true }
  token (): number { return 1 }
  async fence (): Promise<void> {}
  async start (): Promise<void> {}
  async stop (): Promise<void> {}
}

export class LeaseLeadership implements Leadership {
  readonly id = randomUUID()
  readonly #db: Kysely<Database>
  readonly #log: Logger
  readonly #leaseMs: number
  #token: number | null = null
  /** performance.now() before which this replica may act as leader: renewal sent at + lease, less a margin. */
  #validUntil = 0
  #timer: NodeJS.Timeout | undefined
  #tick: Promise<void> | undefined
  #stopped = false

  constructor (deps: { db: Kysely<Database>, log: Logger, options?: LeadershipOptions }) {
    this.#db = deps.db
    this.#log = deps.log
    this.#leaseMs = deps.options?.leaseMs ?? DEFAULT_LEASE_MS
  }

  isLeader (): boolean {
    return this.#token !== null && performance.now() < this.#validUntil
  }

  token (): number | null {
    return this.isLeader() ? this.#token : null
  }

  async fence (trx: Kysely<Database>): Promise<void> {
    const token = this.token()
    const held = token === null
      ? undefined
      : await trx.selectFrom('leader_leases').select('token')
        .where('name', '=', LEASE_NAME).where('holder', '=', this.id).where('token', '=', token)
        .where('expires_at', '>', DB_NOW_MS)
        .forShare().executeTakeFirst()
    if (held === undefined) throw new LeadershipLost()
  }

  async start (): Promise<void> {
    await this.#runTick()
    clearInterval(this.#timer) // started again: one timer, not two
    // Renew (or try to take over) three times per lease: two renewals may fail before the lease lapses.
    this.#timer = setInterval(() => { void this.#runTick() }, Math.max(10, Math.floor(this.#leaseMs / 3)))
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#tick
    const token = this.#token
    if (token === null) return
    this.#set(null)
    // Expire our lease now: the next replica need not wait for it to lapse.
    await this.#db.updateTable('leader_leases').set({ expires_at: 0 })
      .where('name', '=', LEASE_NAME).where('holder', '=', this.id).where('token', '=', token)
      .execute().catch((err: unknown) => { this.#log.warn({ err }, 'could not release the leader lease') })
  }

  #runTick (): Promise<void> {
    if (this.#tick !== undefined || this.#stopped) return this.#tick ?? Promise.resolve()
    this.#tick = this.#renewOrAcquire()
      .catch((err: unknown) => {
        // The database is unreachable: keep acting only while the lease we hold can still be valid.
        this.#log.warn({ err }, 'leader lease check failed')
        if (this.#token !== null && performance.now() >= this.#validUntil) this.#set(null)
      })
      .finally(() => { this.#tick = undefined })
    return this.#tick
  }

  async #renewOrAcquire (): Promise<void> {
    const sentAt = performance.now()
    const lease = this.#leaseMs
    let token: number | null
    if (this.#token !== null) {
      const renewed = await this.#db.updateTable('leader_leases')
        .set({ expires_at: sql<number>`${DB_NOW_MS} + ${lease}` })
        .where('name', '=', LEASE_NAME).where('holder', '=', this.id).where('token', '=', this.#token)
        .returning('token').executeTakeFirst()
      token = renewed === undefined ? null : Number(renewed.token)
    } else {
      // Takes the lease when there is none or it has expired; the token goes up by one on every change of holder.
      const taken = await sql<{ token: string }>`
        insert into leader_leases (name, holder, token, expires_at)
        values (${LEASE_NAME}, ${this.id}, 1, ${DB_NOW_MS} + ${lease})
        on conflict (name) do update
          set holder = excluded.holder, token = leader_leases.token + 1, expires_at = excluded.expires_at
          where leader_leases.expires_at <= ${DB_NOW_MS}
        returning token`.execute(this.#db)
      const row = taken.rows[0]
      token = row === undefined ? null : Number(row.token)
    }
    if (this.#stopped) return
    // Valid from when the request was sent, less a margin for the clocks' drift over one lease.
    this.#validUntil = sentAt + lease * 0.9
    this.#set(token)
  }

  #set (token: number | null): void {
    if (token === this.#token) return
    const was = this.#token
    this.#token = token
    if (token === null) this.#validUntil = 0
    this.#log.info({ replica: this.id, token, previousToken: was }, token === null ? 'leadership lost' : 'leadership taken')
  }
}

/** Thrown by `fence` inside a transaction: the lease moved on, so what the transaction did must not happen. */
export class LeadershipLost extends Error {
  constructor () {
    super('this replica no longer holds the leader lease')
    this.name = 'LeadershipLost'
  }
}
