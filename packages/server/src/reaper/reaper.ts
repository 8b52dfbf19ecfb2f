import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Logger } from '../logger.js'
import type { Store } from '../db/store.js'
import type { Metrics } from '../metrics.js'
import { LeadershipLost, type Leadership } from '../leadership/leadership.js'

export interface ReaperOptions {
  /** Period between passes. */
  intervalMs?: number
  /** The heartbeat period assumed for agents that did not declare one at registration (the agents' default). */
  heartbeatIntervalMs?: number
  /** An agent that missed this many heartbeats is lost: its running runs end as `error`, it is marked offline. */
  missedHeartbeats?: number
  /** Backstop for runs whose agent keeps heartbeating (or is gone from the table): a running run is stale after
   * max(runStaleMinMs, its duration + runGraceMs). */
  runStaleMinMs?: number
  runGraceMs?: number
  /** An agent not seen for this long is marked offline… */
  agentOfflineAfterMs?: number
  /** …and an offline agent not seen for this long is deleted (its runs stay). */
  agentDeleteAfterMs?: number
}

export interface ReaperPassResult {
  /** False when another replica held the reaper lock, so this pass did nothing. */
  acted: boolean
  runsErrored: number
  /** Of runsErrored, those whose agent missed its heartbeats. */
  runsOfLostAgents: number
  currentRunsCleared: number
  agentsMarkedOffline: number
  agentsDeleted: number
}

const DEFAULTS: Required<ReaperOptions> = {
  // Short enough that a lost agent's run ends within ~10 s of its third missed heartbeat; a pass is a few index scans.
  intervalMs: 10_000,
  // The agent's HEARTBEAT_INTERVAL_MS default: 3 missed heartbeats = 90 s.
  heartbeatIntervalMs: 30_000,
  missedHeartbeats: 3,
  runStaleMinMs: 5 * 60_000,
  runGraceMs: 2 * 60_000,
  agentOfflineAfterMs: 5 * 60_000,
  agentDeleteAfterMs: 60 * 60_000,
}

// pg_try_advisory_xact_lock key: any fixed number every replica agrees on ("lfre" in ASCII).
export const REAPER_LOCK_KEY = 0x6c667265
export const STALE_RUN_MESSAGE = 'the agent stopped reporting: no result arrived before the run deadline'
export const AGENT_LOST_MESSAGE = 'agent lost: it missed 3 heartbeats while the run was in progress'

const NOT_ACTED: ReaperPassResult = Object.freeze({
  acted: false, runsErrored: 0, runsOfLostAgents: 0, currentRunsCleared: 0, agentsMarkedOffline: 0, agentsDeleted: 0,
})

/** The periodic reconcile pass over agents and runs; on PostgreSQL one replica acts at a time. */
export class Reaper {
  readonly #store: Store
  readonly #metrics: Metrics
  readonly #log: Logger
  readonly #options: Required<ReaperOptions>
  #timer: NodeJS.Timeout | undefined
  #running: Promise<unknown> | undefined
  readonly #leadership: Leadership | undefined

  constructor (deps: {
    store: Store, metrics: Metrics, log: Logger, options?: ReaperOptions | undefined
    /** Only the leader reaps; without it every pass may act (one at a time, by the advisory lock). */
    leadership?: Leadership
  }) {
    this.#store = deps.store
    this.#leadership = deps.leadership
    this.#metrics = deps.metrics
    this.#log = deps.log
    const given = Object.fromEntries(Object.entries(deps.options ?? {}).filter(([, v]) => v !== undefined))
    this.#options = { ...DEFAULTS, ...given }
  }

  start (): void {
    this.#timer = setInterval(() => {
      if (this.#running !== undefined) return // a slow pass is never overlapped by the next one
      this.#running = this.runOnce()
        .catch((err: unknown) => { this.#log.error({ err }, 'reaper pass failed') })
        .finally(() => { this.#running = undefined })
    }, this.#options.intervalMs)
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** One idempotent pass; safe to call at any time and from several replicas at once. */
  async runOnce (now = Date.now()): Promise<ReaperPassResult> {
    const leadership = this.#leadership
    if (leadership !== undefined && !leadership.isLeader()) return NOT_ACTED
    const result = await this.#store.transaction(async (_repos, trx) => {
      if (this.#store.dialect === 'postgres') {
        const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${REAPER_LOCK_KEY}) as locked`
          .execute(trx)
        if (lock.rows[0]?.locked !== true) return undefined
        // The lease is still ours and cannot change hands before this transaction ends: a replica that lost it
        // (paused, cut off) rolls back instead of reaping what the new leader reaps.
        await leadership?.fence(trx)
      }
      return await this.#pass(trx, now)
    }).catch((err: unknown) => {
      if (err instanceof LeadershipLost) return undefined
      throw err
    })
    if (result === undefined) return NOT_ACTED
    this.#metrics.reaperRunsErrored.inc(result.runsErrored)
    this.#metrics.reaperAgentsMarkedOffline.inc(result.agentsMarkedOffline)
    this.#metrics.reaperAgentsDeleted.inc(result.agentsDeleted)
    if (result.runsErrored + result.agentsMarkedOffline + result.agentsDeleted > 0) this.#log.info(result, 'reaper pass')
    return result
  }

  async #pass (trx: Kysely<Database>, now: number): Promise<ReaperPassResult> {
    const o = this.#options
    // Agents whose last sign of life is older than `missedHeartbeats` of their own heartbeat periods.
    const lost = sql<boolean>`last_seen_at < ${now} - ${o.missedHeartbeats} * coalesce(heartbeat_interval_ms, ${
      o.heartbeatIntervalMs})`
    const lostRuns = await trx.updateTable('runs')
      .set({ status: 'error', error_message: AGENT_LOST_MESSAGE, finished_at: now, reaped_at: now })
      .where('status', '=', 'running')
      .where('agent_name', 'in', (eb) => eb.selectFrom('agents').select('agents.name').where(lost))
      .executeTakeFirst()
    // Browser checks end the same ways: their agent lost, or no result long after the longest check (5 min).
    const lostChecks = await trx.updateTable('browser_runs')
      .set({ status: 'error', failure_reason: AGENT_LOST_MESSAGE, finished_at: now, reaped_at: now })
      .where('status', '=', 'running')
      .where('agent_name', 'in', (eb) => eb.selectFrom('agents').select('agents.name').where(lost))
      .executeTakeFirst()
    const staleChecks = await trx.updateTable('browser_runs')
      .set({ status: 'error', failure_reason: STALE_RUN_MESSAGE, finished_at: now, reaped_at: now })
      .where('status', '=', 'running')
      .where('started_at', '<', now - o.runStaleMinMs - o.runGraceMs)
      .executeTakeFirst()
    const lostAgents = await trx.updateTable('agents')
      .set({ status: 'offline', current_run_id: null })
      .where('status', '!=', 'offline')
      .where(lost)
      .executeTakeFirst()
    const errored = await trx.updateTable('runs')
      .set({ status: 'error', error_message: STALE_RUN_MESSAGE, finished_at: now, reaped_at: now })
      .where('status', '=', 'running')
      .where('started_at', '<', now - o.runStaleMinMs)
      .where((eb) => eb(eb('started_at', '+', eb('duration_s', '*', 1000)), '<', now - o.runGraceMs))
      .executeTakeFirst()
    const cleared = await trx.updateTable('agents')
      .set({ current_run_id: null })
      .where('current_run_id', 'is not', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('runs').select('runs.id')
        .whereRef('runs.id', '=', 'agents.current_run_id').where('runs.status', '=', 'running'))))
      .executeTakeFirst()
    const offline = await trx.updateTable('agents')
      .set({ status: 'offline' })
      .where('status', '!=', 'offline')
      .where('last_seen_at', '<', now - o.agentOfflineAfterMs)
      .executeTakeFirst()
    const deleted = await trx.deleteFrom('agents')
      .where('status', '=', 'offline')
      .where('last_seen_at', '<', now - o.agentDeleteAfterMs)
      .returning('name')
      .execute()
    if (deleted.length > 0) {
      await trx.deleteFrom('agent_target_starts').where('agent_name', 'in', deleted.map((d) => d.name)).execute()
    }
    return {
      acted: true,
      runsErrored: Number(lostRuns.numUpdatedRows) + Number(errored.numUpdatedRows) +
        Number(lostChecks.numUpdatedRows) + Number(staleChecks.numUpdatedRows),
      runsOfLostAgents: Number(lostRuns.numUpdatedRows) + Number(lostChecks.numUpdatedRows),
      currentRunsCleared: Number(cleared.numUpdatedRows),
      agentsMarkedOffline: Number(lostAgents.numUpdatedRows) + Number(offline.numUpdatedRows),
      agentsDeleted: deleted.length,
    }
  }
}
