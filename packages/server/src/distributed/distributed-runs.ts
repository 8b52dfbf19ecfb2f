import { randomUUID } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import type { RunResult } from '@loadfleet/core'
import type { DistributedRun, DistributedRunCreate, PartAssignment, PartFinish, PartState, RunPart } from '@loadfleet/api'
import type { Database, DistributedRunRow, RunPartRow } from '../db/schema.js'
import type { Store } from '../db/store.js'
import { DistributedRunNotFound, PartNotOwned } from '../errors.js'
import { planParts } from './part-plan.js'
import { mergeParts } from './merge-parts.js'

/**
 * Once the last part is accepted, the parts start this long after: time for every agent to hear it at its next
 * poll of the part (they poll a few times a second while waiting) and to load its engine.
 */
export const START_LEAD_MS = 2000
/** After the planned end, parts get this long to report before the run fails naming the missing ones. */
const REPORT_GRACE_MS = 2 * 60_000
/** An agent that missed this many heartbeats has lost its part (as the reaper treats runs). */
const MISSED_HEARTBEATS = 3
const DEFAULT_HEARTBEAT_MS = 30_000
/**
 * …and never before this silence: an agent busy generating load on a crowded host can be a few seconds late with a
 * heartbeat, and losing a part ends the whole run.
 */
const LOST_AFTER_MIN_MS = 10_000
/** Claims and state reads check deadlines first, but at most this often: agents waiting for a start poll a lot. */
const EXPIRE_THROTTLE_MS = 500

type RunRow = Selectable<DistributedRunRow>
type PartRow = Selectable<RunPartRow>

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const partName = (p: Pick<PartRow, 'part_index' | 'segment'>): string => `part ${p.part_index + 1} (${p.segment})`

/**
 * Distributed runs: one test split into N parts by k6's execution segments, each accepted by a different agent.
 * Every transition is a conditional update, so two replicas (or a retried request) acting at once change a run
 * once: the first to move it out of `waiting`/`running` wins, the other finds nothing left to do.
 */
export class DistributedRuns {
  readonly #store: Store
  #lastExpireAt = 0

  constructor (store: Store) {
    this.#store = store
  }

  /** Validates the test, splits it into `agents` parts and opens them for agents to accept. */
  async create (body: DistributedRunCreate, actor: string, now = Date.now()): Promise<DistributedRun> {
    const agents = body.agents
    const plan = await planParts(body.test, agents)
    const id = randomUUID()
    await this.#store.transaction(async (r, trx) => {
      await trx.insertInto('distributed_runs').values({
        id, file: body.test.file, source: body.test.source, agents, sequence: plan.sequence, status: 'waiting',
        planned_ms: plan.plannedMs, thresholds_json: JSON.stringify(plan.thresholds),
        trend_stats_json: JSON.stringify(plan.trendStats), created_by: actor, created_at: now,
        accept_by: now + (body.acceptTimeoutS ?? 60) * 1000, start_at: null, finished_at: null, failure_reason: null,
        result_json: null,
      }).execute()
      await trx.insertInto('run_parts').values(plan.segments.map((segment, i) => ({
        run_id: id, part_index: i, segment, status: 'open' as const, agent_name: null, accepted_at: null,
        started_at: null, finished_at: null, error_message: null, requests: null, result_json: null,
      }))).execute()
      await r.audit.add({
        at: now, actor, action: 'create', entity: 'distributed_run', entityId: id,
        change: { file: body.test.file, agents, segments: plan.segments },
      })
    })
    return await this.get(id)
  }

  async get (id: string): Promise<DistributedRun> {
    const run = await this.#store.db.selectFrom('distributed_runs').selectAll().where('id', '=', id).executeTakeFirst()
    if (run === undefined) throw new DistributedRunNotFound({ id })
    const parts = await this.#store.db.selectFrom('run_parts').selectAll().where('run_id', '=', id)
      .orderBy('part_index').execute()
    return toDistributedRun(run, parts)
  }

  /**
   * Gives `agentName` an open part of the oldest waiting run it has no part of yet, or null. The agent then loads
   * the test and accepts the part (`accept`) once it is ready to start it.
   */
  async claim (agentName: string, now = Date.now()): Promise<PartAssignment | null> {
    await this.#expireSoon(now)
    return await this.#store.transaction(async (_r, trx) => {
      const candidates = await trx.selectFrom('run_parts')
        .innerJoin('distributed_runs', 'distributed_runs.id', 'run_parts.run_id')
        .select(['run_parts.run_id', 'run_parts.part_index'])
        .where('distributed_runs.status', '=', 'waiting').where('run_parts.status', '=', 'open')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('run_parts as mine').select('mine.part_index')
          .whereRef('mine.run_id', '=', 'run_parts.run_id').where('mine.agent_name', '=', agentName))))
        .orderBy('distributed_runs.created_at').orderBy('run_parts.part_index').limit(5).execute()
      for (const c of candidates) {
        // Taking the run's row first serialises the claims of one run, so exactly one of them sees no open part left.
        await lockRun(trx, c.run_id)
        const taken = await trx.updateTable('run_parts')
          .set({ agent_name: agentName, status: 'claimed' })
          .where('run_id', '=', c.run_id).where('part_index', '=', c.part_index).where('status', '=', 'open')
          .executeTakeFirst()
        if (Number(taken.numUpdatedRows) === 0) continue
        const run = await trx.selectFrom('distributed_runs').selectAll().where('id', '=', c.run_id).executeTakeFirstOrThrow()
        const part = await trx.selectFrom('run_parts').selectAll().where('run_id', '=', c.run_id)
          .where('part_index', '=', c.part_index).executeTakeFirstOrThrow()
        return { runId: run.id, index: part.part_index, segment: part.segment, sequence: run.sequence,
          test: { file: run.file, source: run.source } }
      }
      return null
    })
  }

  /**
   * The agent has loaded its part's test and is ready to start it. When this was the last part to be accepted,
   * the common start time is set in the same transaction (the run's row lock makes exactly one accept see that).
   */
  async accept (agentName: string, runId: string, index: number, now = Date.now()): Promise<PartState> {
    await this.#store.transaction(async (_r, trx) => {
      await lockRun(trx, runId)
      const { run, part } = await this.#owned(trx, agentName, runId, index)
      if (part.status !== 'claimed' || run.status !== 'waiting') return
      await trx.updateTable('run_parts').set({ status: 'accepted', accepted_at: now })
        .where('run_id', '=', runId).where('part_index', '=', index).execute()
      const notReady = await trx.selectFrom('run_parts').select('part_index').where('run_id', '=', runId)
        .where('status', 'in', ['open', 'claimed']).limit(1).execute()
      if (notReady.length === 0) {
        await trx.updateTable('distributed_runs').set({ status: 'running', start_at: now + START_LEAD_MS })
          .where('id', '=', runId).where('status', '=', 'waiting').execute()
      }
    })
    return await this.partState(agentName, runId, index, now)
  }

  /** Where the agent's part stands: waiting for the others, starting in so many ms, or cancelled and why. */
  async partState (agentName: string, runId: string, index: number, now = Date.now()): Promise<PartState> {
    await this.#expireSoon(now)
    const { run, part } = await this.#owned(this.#store.db, agentName, runId, index)
    if (run.status === 'waiting') return { state: 'waiting', startInMs: null, reason: null }
    if (run.status === 'error') return { state: 'cancelled', startInMs: null, reason: run.failure_reason }
    if (part.status === 'lost') return { state: 'cancelled', startInMs: null, reason: 'this part was declared lost' }
    return { state: 'start', startInMs: Math.max(0, (run.start_at ?? now) - now), reason: null }
  }

  /**
   * Stores a part's result. A part that failed ends the run as `error` naming it; the last result completes the
   * run: the parts are merged and judged once. The same report twice is stored once.
   */
  async finishPart (agentName: string, runId: string, index: number, finish: PartFinish, now = Date.now()):
  Promise<PartState> {
    const complete = await this.#store.transaction(async (_r, trx) => {
      await lockRun(trx, runId)
      const { run, part } = await this.#owned(trx, agentName, runId, index)
      if (part.status !== 'accepted') return false // a repeat, or a part already declared lost: nothing changes
      const summary = finish.summary ?? null
      const failed = finish.status === 'error' || finish.status === 'aborted'
      const requests = (summary as Partial<RunResult> | null)?.metrics?.http_reqs?.values.count
      const startedAt = (summary as Partial<RunResult> | null)?.startedAt
      await trx.updateTable('run_parts').set({
        status: failed ? 'error' : 'reported', finished_at: now,
        error_message: finish.errorMessage ?? null, result_json: summary === null ? null : JSON.stringify(summary),
        requests: typeof requests === 'number' && Number.isFinite(requests) ? Math.round(requests) : null,
        started_at: typeof startedAt === 'number' && Number.isFinite(startedAt) ? Math.round(startedAt) : null,
      }).where('run_id', '=', runId).where('part_index', '=', index).execute()
      if (run.status !== 'running') return false
      if (failed) {
        const why = finish.errorMessage ?? (finish.status === 'aborted' ? 'it was stopped' : 'it could not run')
        await endRun(trx, runId, now, `${partName(part)} on agent ${agentName} failed: ${why}`)
        return false
      }
      const unreported = await trx.selectFrom('run_parts').select('part_index').where('run_id', '=', runId)
        .where('status', '!=', 'reported').limit(1).execute()
      return unreported.length === 0
    })
    // Merged outside the transaction: decoding and adding histograms must not hold the database (SQLite has one
    // writer). A concurrent last report merges the same parts; the first to write the outcome wins.
    if (complete) await this.#complete(runId, now)
    return await this.partState(agentName, runId, index, now)
  }

  async #complete (runId: string, now: number): Promise<void> {
    const db = this.#store.db
    const run = await db.selectFrom('distributed_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow()
    const parts = await db.selectFrom('run_parts').selectAll().where('run_id', '=', runId).orderBy('part_index').execute()
    const merged = await mergeParts(run, parts)
    await db.updateTable('distributed_runs').set({
      status: merged.status, finished_at: now, failure_reason: merged.failureReason,
      result_json: merged.result === null ? null : JSON.stringify(merged.result),
    }).where('id', '=', runId).where('status', '=', 'running').execute()
  }

  /**
   * Fails what can no longer finish: runs whose parts were not all accepted in time (naming the missing parts),
   * parts whose agent stopped heartbeating or left (naming part and agent), and runs past their report deadline.
   * Idempotent; called on a timer and before each claim or state read.
   */
  async expire (now = Date.now()): Promise<number> {
    const db = this.#store.db
    let ended = 0
    const late = await db.selectFrom('distributed_runs').select('id').where('status', '=', 'waiting')
      .where('accept_by', '<=', now).execute()
    for (const { id } of late) {
      const parts = await db.selectFrom('run_parts').selectAll().where('run_id', '=', id).orderBy('part_index').execute()
      const missing = parts.filter((p) => p.status === 'open' || p.status === 'claimed').map((p) =>
        p.agent_name === null ? partName(p) : `${partName(p)} (taken by agent ${p.agent_name}, never ready)`)
      const accepted = parts.filter((p) => p.status === 'accepted').map((p) => `${partName(p)} by ${p.agent_name ?? ''}`)
      const reason = `no agent accepted ${missing.join(', ')} before the deadline` +
        (accepted.length > 0 ? ` (accepted: ${accepted.join(', ')})` : ' (no part was accepted)')
      ended += await endRun(db, id, now, reason, 'waiting')
    }
    const running = await db.selectFrom('distributed_runs').select(['id', 'start_at', 'planned_ms'])
      .where('status', '=', 'running').execute()
    for (const run of running) ended += await this.#expireRunning(run, now)
    return ended
  }

  async #expireSoon (now: number): Promise<void> {
    if (now - this.#lastExpireAt < EXPIRE_THROTTLE_MS) return
    this.#lastExpireAt = now
    await this.expire(now)
  }

  async #expireRunning (run: { id: string, start_at: number | null, planned_ms: number }, now: number):
  Promise<number> {
    const db = this.#store.db
    const pending = await db.selectFrom('run_parts').leftJoin('agents', 'agents.name', 'run_parts.agent_name')
      .select(['run_parts.part_index', 'run_parts.segment', 'run_parts.agent_name', 'agents.status as agent_status',
        'agents.last_seen_at', 'agents.heartbeat_interval_ms'])
      .where('run_parts.run_id', '=', run.id).where('run_parts.status', '=', 'accepted').execute()
    const lost = pending.map((p) => ({ p, why: lossOf(p, now) })).filter((x) => x.why !== undefined)
    if (lost.length > 0) {
      for (const { p } of lost) {
        await db.updateTable('run_parts').set({ status: 'lost', finished_at: now })
          .where('run_id', '=', run.id).where('part_index', '=', p.part_index).where('status', '=', 'accepted').execute()
      }
      const reason = lost.map(({ p, why }) => `${partName(p)} on agent ${p.agent_name ?? '?'} was lost: ${why ?? ''}`)
      return await endRun(db, run.id, now, reason.join('; '))
    }
    const deadline = (run.start_at ?? now) + run.planned_ms + REPORT_GRACE_MS
    if (pending.length > 0 && now > deadline) {
      const names = pending.map((p) => `${partName(p)} on agent ${p.agent_name ?? '?'}`)
      return await endRun(db, run.id, now, `${names.join(', ')} did not report before the run's deadline`)
    }
    return 0
  }

  async #owned (db: Kysely<Database>, agentName: string, runId: string, index: number):
  Promise<{ run: RunRow, part: PartRow }> {
    const run = await db.selectFrom('distributed_runs').selectAll().where('id', '=', runId).executeTakeFirst()
    const part = await db.selectFrom('run_parts').selectAll().where('run_id', '=', runId)
      .where('part_index', '=', index).executeTakeFirst()
    if (run === undefined || part === undefined) throw new DistributedRunNotFound({ id: runId })
    if (part.agent_name !== agentName) throw new PartNotOwned({ runId, index })
    return { run, part }
  }
}

/** Why an accepting agent no longer runs its part, or undefined while it is alive. */
function lossOf (p: { agent_status: string | null, last_seen_at: number | null, heartbeat_interval_ms: number | null },
  now: number): string | undefined {
  if (p.agent_status === null || p.last_seen_at === null) return 'the agent is no longer registered'
  if (p.agent_status === 'offline') return 'the agent went offline'
  const silentMs = now - p.last_seen_at
  if (silentMs > Math.max(LOST_AFTER_MIN_MS, MISSED_HEARTBEATS * (p.heartbeat_interval_ms ?? DEFAULT_HEARTBEAT_MS))) {
    return `the agent missed ${MISSED_HEARTBEATS} heartbeats (silent for ${Math.round(silentMs / 1000)} s)`
  }
  return undefined
}

/** A no-op update that takes the run's row lock (PostgreSQL; SQLite writes one at a time anyway). */
async function lockRun (db: Kysely<Database>, runId: string): Promise<void> {
  await db.updateTable('distributed_runs').set((eb) => ({ agents: eb.ref('agents') })).where('id', '=', runId).execute()
}

/** Ends a run as `error` unless it already ended; the parts that reported keep their results. */
async function endRun (db: Kysely<Database>, id: string, now: number, reason: string,
  from: 'waiting' | 'running' = 'running'): Promise<number> {
  const done = await db.updateTable('distributed_runs')
    .set({ status: 'error', finished_at: now, failure_reason: reason.slice(0, 4000) })
    .where('id', '=', id).where('status', '=', from).executeTakeFirst()
  return Number(done.numUpdatedRows)
}

function toDistributedRun (run: RunRow, parts: readonly PartRow[]): DistributedRun {
  return {
    id: run.id, file: run.file, agents: run.agents, status: run.status, createdAt: iso(run.created_at) ?? '',
    acceptBy: iso(run.accept_by) ?? '', startAt: iso(run.start_at), finishedAt: iso(run.finished_at),
    failureReason: run.failure_reason, sequence: run.sequence,
    parts: parts.map((p): RunPart => ({
      index: p.part_index, segment: p.segment, agentName: p.agent_name, status: p.status,
      acceptedAt: iso(p.accepted_at), startedAt: iso(p.started_at), finishedAt: iso(p.finished_at),
      errorMessage: p.error_message, requests: p.requests,
    })),
    result: run.result_json === null ? null : JSON.parse(run.result_json) as Record<string, unknown>,
  }
}

