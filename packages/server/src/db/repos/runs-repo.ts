import type { Kysely, Selectable } from 'kysely'
import type { Run, RunMetrics, RunStatus, RunVerdict, SeriesPoint } from '@loadfleet/api'
import type { Database, RunRow } from '../schema.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import type { SeriesRunRow } from '../../series/series-buckets.js'

export type RunWithTarget = Selectable<RunRow> & { target_label: string | null, target_url: string | null }

export interface RunResultWrite {
  status: 'passed' | 'failed' | 'error' | 'aborted'
  finishedAt: number
  errorMessage: string | null
  metrics: RunMetrics | null
  summaryJson: string | null
  resultHash: string
  failureReason: string | null
  verdict: RunVerdict | null
  requests: number | null
  failedRequests: number | null
  statusCounts: Record<string, number> | null
  errorKinds: Record<string, number> | null
}

export interface RunsPageQuery {
  targetId?: string | undefined
  status?: RunStatus | undefined
  cursor?: string | undefined
  limit: number
}

function iso (ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString()
}

// Latency figures may be null on their own (no request succeeded); without the counts there are no metrics at all.
function metricsOf (row: Selectable<RunRow>): RunMetrics | null {
  if (row.error_rate === null || row.rps === null || row.data_received_bytes === null || row.iterations === null) {
    return null
  }
  return {
    p50_ms: row.p50_ms, p95_ms: row.p95_ms, p99_ms: row.p99_ms, avg_ms: row.avg_ms, error_rate: row.error_rate,
    rps: row.rps, data_received_bytes: row.data_received_bytes, iterations: Number(row.iterations),
  }
}

export function toRun (row: RunWithTarget): Run {
  return {
    id: row.id,
    targetId: row.target_id,
    targetLabel: row.target_label,
    targetUrl: row.target_url,
    agentName: row.agent_name,
    status: row.status,
    startedAt: new Date(Number(row.started_at)).toISOString(),
    finishedAt: iso(row.finished_at),
    errorMessage: row.error_message,
    metrics: metricsOf(row),
    // Runs the reaper ended (or stored before verdicts existed) give their error message as the reason.
    failureReason: row.failure_reason ?? (row.status === 'error' ? row.error_message : null),
    verdict: row.verdict_json === null || row.verdict_json === undefined
      ? null
      : JSON.parse(row.verdict_json) as RunVerdict,
  }
}

/** Runs: one row per test an agent started; never deleted with its agent or target. */
export class RunsRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  #selectWithTarget () {
    return this.#db.selectFrom('runs')
      .leftJoin('targets', 'targets.id', 'runs.target_id')
      .selectAll('runs')
      .select(['targets.label as target_label', 'targets.url as target_url'])
  }

  async getRow (id: string): Promise<Selectable<RunRow> | undefined> {
    return await this.#db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async getRowWithTarget (id: string): Promise<RunWithTarget | undefined> {
    return await this.#selectWithTarget().where('runs.id', '=', id).executeTakeFirst()
  }

  async get (id: string): Promise<Run | undefined> {
    const row = await this.#selectWithTarget().where('runs.id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toRun(row)
  }

  async getDetail (id: string): Promise<(Run & { summary: Record<string, unknown> | null }) | undefined> {
    const row = await this.#selectWithTarget().where('runs.id', '=', id).executeTakeFirst()
    if (row === undefined) return undefined
    const summary = row.summary_json === null ? null : JSON.parse(row.summary_json) as Record<string, unknown>
    return { ...toRun(row), summary }
  }

  /** The runs of the same target started just before and just after this one (by start time, then id). */
  async neighbours (run: { id: string, targetId: string, startedAt: number }): Promise<{
    previousRunId: string | null, nextRunId: string | null
  }> {
    const base = () => this.#db.selectFrom('runs').select('id').where('target_id', '=', run.targetId)
    const [previous, next] = await Promise.all([
      base().where((eb) => eb(eb.refTuple('started_at', 'id'), '<', eb.tuple(run.startedAt, run.id)))
        .orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst(),
      base().where((eb) => eb(eb.refTuple('started_at', 'id'), '>', eb.tuple(run.startedAt, run.id)))
        .orderBy('started_at', 'asc').orderBy('id', 'asc').limit(1).executeTakeFirst(),
    ])
    return { previousRunId: previous?.id ?? null, nextRunId: next?.id ?? null }
  }

  async putHistogram (options: { runId: string, metric: string, histogram: string }): Promise<void> {
    const { runId, metric, histogram } = options
    await this.#db.insertInto('run_histograms').values({ run_id: runId, metric, histogram })
      .onConflict((oc) => oc.columns(['run_id', 'metric']).doUpdateSet({ histogram }))
      .execute()
  }

  async getHistogram (runId: string, metric: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('run_histograms').select('histogram')
      .where('run_id', '=', runId).where('metric', '=', metric).executeTakeFirst()
    return row?.histogram
  }

  async insertRunning (options: {
    id: string, targetId: string, agentName: string, durationS: number, startedAt: number
  }): Promise<boolean> {
    const result = await this.#db.insertInto('runs').values({
      id: options.id, target_id: options.targetId, agent_name: options.agentName, status: 'running',
      duration_s: options.durationS, started_at: options.startedAt, finished_at: null, error_message: null,
      p50_ms: null, p95_ms: null, p99_ms: null, avg_ms: null, error_rate: null, rps: null,
      data_received_bytes: null, iterations: null, summary_json: null, result_hash: null, reaped_at: null,
      failure_reason: null, verdict_json: null, requests: null, failed_requests: null, status_counts_json: null,
      error_kinds_json: null,
    }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
  }

  async writeResult (id: string, result: RunResultWrite): Promise<void> {
    const m = result.metrics
    await this.#db.updateTable('runs').set({
      status: result.status, finished_at: result.finishedAt, error_message: result.errorMessage,
      p50_ms: m?.p50_ms ?? null, p95_ms: m?.p95_ms ?? null, p99_ms: m?.p99_ms ?? null, avg_ms: m?.avg_ms ?? null,
      error_rate: m?.error_rate ?? null, rps: m?.rps ?? null, data_received_bytes: m?.data_received_bytes ?? null,
      iterations: m?.iterations ?? null, summary_json: result.summaryJson, result_hash: result.resultHash,
      reaped_at: null, failure_reason: result.failureReason,
      verdict_json: result.verdict === null ? null : JSON.stringify(result.verdict),
      requests: result.requests, failed_requests: result.failedRequests,
      status_counts_json: result.statusCounts === null ? null : JSON.stringify(result.statusCounts),
      error_kinds_json: result.errorKinds === null ? null : JSON.stringify(result.errorKinds),
    }).where('id', '=', id).execute()
  }

  /** One page, newest first, by keyset on (started_at, id) so deep pages cost the same as the first. */
  async list (query: RunsPageQuery): Promise<{ data: Run[], nextCursor: string | null }> {
    let q = this.#selectWithTarget()
    if (query.targetId !== undefined) q = q.where('runs.target_id', '=', query.targetId)
    if (query.status !== undefined) q = q.where('runs.status', '=', query.status)
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor)
      q = q.where((eb) => eb(eb.refTuple('runs.started_at', 'runs.id'), '<', eb.tuple(after.at, after.id)))
    }
    const rows = await q.orderBy('runs.started_at', 'desc').orderBy('runs.id', 'desc').limit(query.limit + 1).execute()
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    const nextCursor = rows.length > query.limit && last !== undefined
      ? encodeCursor({ at: Number(last.started_at), id: last.id })
      : null
    return { data: page.map(toRun), nextCursor }
  }

  /** Points for charts, oldest first, bounded so a wide window cannot exhaust memory. */
  async series (options: {
    targetId: string, fromMs: number, toMs: number, maxPoints: number
  }): Promise<SeriesPoint[]> {
    const rows = await this.#db.selectFrom('runs')
      .select(['id', 'started_at', 'status', 'p50_ms', 'p95_ms', 'p99_ms', 'error_rate', 'rps'])
      .where('target_id', '=', options.targetId)
      .where('status', '!=', 'aborted') // stopped on purpose: no figure of the site's
      .where('started_at', '>=', options.fromMs)
      .where('started_at', '<=', options.toMs)
      .orderBy('started_at', 'desc').orderBy('id', 'desc')
      .limit(options.maxPoints)
      .execute()
    return rows.reverse().map((row) => ({
      runId: row.id, t: new Date(Number(row.started_at)).toISOString(), status: row.status,
      p50Ms: row.p50_ms, p95Ms: row.p95_ms, p99Ms: row.p99_ms, errorRate: row.error_rate, rps: row.rps,
    }))
  }

  /** The chart columns of a target's runs in a window, newest first, for aggregation into buckets. */
  async seriesRows (options: {
    targetId: string, fromMs: number, toMs: number, maxRows: number
  }): Promise<SeriesRunRow[]> {
    const rows = await this.#db.selectFrom('runs')
      .select(['started_at', 'status', 'p50_ms', 'p95_ms', 'p99_ms', 'error_rate', 'rps'])
      .where('target_id', '=', options.targetId)
      .where('started_at', '>=', options.fromMs)
      .where('started_at', '<=', options.toMs)
      .orderBy('started_at', 'desc')
      .limit(options.maxRows)
      .execute()
    return rows.map((row) => ({
      startedAt: Number(row.started_at), status: row.status, p50Ms: row.p50_ms, p95Ms: row.p95_ms,
      p99Ms: row.p99_ms, errorRate: row.error_rate, rps: row.rps,
    }))
  }

  /** The newest runs of one target (any status), newest first; an index range scan, not a table scan. */
  async latestForTarget (targetId: string, limit: number): Promise<Array<Selectable<RunRow>>> {
    return await this.#db.selectFrom('runs').selectAll()
      .where('target_id', '=', targetId)
      .orderBy('started_at', 'desc').orderBy('id', 'desc')
      .limit(limit)
      .execute()
  }

  async countRunning (): Promise<number> {
    const row = await this.#db.selectFrom('runs').select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'running').executeTakeFirstOrThrow()
    return Number(row.n) // a string on PostgreSQL, a number on SQLite
  }
}
