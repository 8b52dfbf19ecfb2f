import type { Kysely, Selectable } from 'kysely'
import type { Agent } from '@loadfleet/api'
import type { AgentRow, Database } from '../schema.js'

export function toAgent (row: Selectable<AgentRow>): Agent {
  return {
    name: row.name,
    status: row.status,
    currentRunId: row.current_run_id,
    version: row.version,
    registeredAt: new Date(Number(row.registered_at)).toISOString(),
    lastSeenAt: new Date(Number(row.last_seen_at)).toISOString(),
    deadLetters: Number(row.dead_letters),
    degradedReason: row.degraded_reason,
  }
}

/** Agents: the fleet as observed, keyed by name (a Kubernetes pod name survives restarts). */
export class AgentsRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async list (): Promise<Agent[]> {
    const rows = await this.#db.selectFrom('agents').selectAll().orderBy('name').execute()
    return rows.map(toAgent)
  }

  async get (name: string): Promise<Agent | undefined> {
    const row = await this.#db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst()
    return row === undefined ? undefined : toAgent(row)
  }

  /**
   * Upsert by name: a restarted agent updates its row and starts with no current run. `credentialHash` replaces the
   * one stored, so the credential issued at the previous registration stops working at once.
   */
  async register (options: {
    name: string, version: string, heartbeatIntervalMs?: number | undefined, credentialHash: string, now: number
  }): Promise<Agent> {
    const { name, version, now } = options
    const heartbeat = options.heartbeatIntervalMs ?? null
    const row = await this.#db.insertInto('agents')
      .values({
        name, version, status: 'online', current_run_id: null, registered_at: now, last_seen_at: now,
        heartbeat_interval_ms: heartbeat, credential_hash: options.credentialHash,
      })
      .onConflict((oc) => oc.column('name').doUpdateSet({
        version, status: 'online', current_run_id: null, registered_at: now, last_seen_at: now,
        heartbeat_interval_ms: heartbeat, dead_letters: 0, degraded_reason: null,
        credential_hash: options.credentialHash,
      }))
      .returningAll()
      .executeTakeFirstOrThrow()
    return toAgent(row)
  }

  /** The stored hash of the agent's credential; undefined for an unknown agent or one never issued a credential. */
  async credentialHashOf (name: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('agents').select('credential_hash').where('name', '=', name).executeTakeFirst()
    return row?.credential_hash ?? undefined
  }

  /** The agent a credential hash belongs to, if any. */
  async nameOfCredentialHash (credentialHash: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('agents').select('name').where('credential_hash', '=', credentialHash)
      .executeTakeFirst()
    return row?.name
  }

  /**
   * Records a heartbeat; `newDeadLetters` is how many dead letters this report adds to the agent's count, and
   * `degradedChanged` whether it entered or left the degraded state (an absent `degradedReason` changes nothing).
   */
  async heartbeat (options: {
    name: string, status: 'online' | 'busy', currentRunId: string | null, deadLetters?: number | undefined,
    degradedReason?: string | null | undefined, now: number
  }): Promise<{ agent: Agent, newDeadLetters: number, degradedChanged: boolean } | undefined> {
    let newDeadLetters = 0
    const before = await this.#db.selectFrom('agents').select(['dead_letters', 'degraded_reason'])
      .where('name', '=', options.name).executeTakeFirst()
    if (options.deadLetters !== undefined) {
      const previous = Number(before?.dead_letters ?? 0)
      // A smaller count means the agent process restarted without registering again: count from zero.
      newDeadLetters = options.deadLetters >= previous ? options.deadLetters - previous : options.deadLetters
    }
    const row = await this.#db.updateTable('agents')
      .set({
        status: options.status, current_run_id: options.currentRunId, last_seen_at: options.now,
        ...(options.deadLetters === undefined ? {} : { dead_letters: options.deadLetters }),
        ...(options.degradedReason === undefined ? {} : { degraded_reason: options.degradedReason }),
      })
      .where('name', '=', options.name)
      .returningAll()
      .executeTakeFirst()
    if (row === undefined) return undefined
    const degradedChanged = (before?.degraded_reason ?? null) === null
      ? row.degraded_reason !== null
      : row.degraded_reason === null
    return { agent: toAgent(row), newDeadLetters, degradedChanged }
  }

  /** An agent stopping cleanly: offline at once, with no current run and no longer degraded (its process is gone). */
  async leave (options: { name: string, now: number }): Promise<Agent | undefined> {
    const row = await this.#db.updateTable('agents')
      .set({ status: 'offline', current_run_id: null, last_seen_at: options.now, degraded_reason: null })
      .where('name', '=', options.name)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toAgent(row)
  }

  async setCurrentRun (options: { name: string, runId: string, now: number }): Promise<void> {
    await this.#db.updateTable('agents')
      .set({ status: 'busy', current_run_id: options.runId, last_seen_at: options.now })
      .where('name', '=', options.name)
      .execute()
  }

  /** Clears the agent's current run only when it is this run (a newer start may already have replaced it). */
  async clearCurrentRun (options: { name: string, runId: string, now: number }): Promise<void> {
    await this.#db.updateTable('agents')
      .set({ status: 'online', current_run_id: null, last_seen_at: options.now })
      .where('name', '=', options.name)
      .where('current_run_id', '=', options.runId)
      .execute()
  }

  async countByStatus (): Promise<Record<Agent['status'], number>> {
    const rows = await this.#db.selectFrom('agents')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute()
    const counts = { online: 0, busy: 0, offline: 0 }
    // count() is a string on PostgreSQL and a number on SQLite.
    for (const row of rows) counts[row.status] = Number(row.n)
    return counts
  }

  /** Agents still reporting (online or busy) that say they cannot take work. */
  async countDegraded (): Promise<number> {
    const row = await this.#db.selectFrom('agents')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '!=', 'offline')
      .where('degraded_reason', 'is not', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
