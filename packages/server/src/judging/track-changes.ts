import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { compareRunToBaseline, detectChanges, quantile, type DetectedChange, type RunSample } from '@loadfleet/analysis'
import type { BaselineComparison, BaselineSpread, Change, TargetBaseline } from '@loadfleet/api'
import type { ChangeRow, Database } from '../db/schema.js'
import type { Store } from '../db/store.js'

// The detector's own window (DEFAULT_DETECT_OPTIONS.maxRuns): older runs cannot change its answer.
const SAMPLE_RUNS = 60
// A pinned range is bounded so a year-wide range cannot load a year of runs.
const PINNED_RUNS_MAX = 200
/** Only finished runs that measured something are compared; `error` (and any other status) is left out. */
const JUDGED_STATUSES = ['passed', 'failed'] as const

interface BaselineState {
  pinned: RunSample[] | null
  pinnedIds: string[] | null
  from: number | null
  to: number | null
  acceptedAt: number | null
}

function parseCounts (json: string | null): Record<string, number> {
  return json === null ? {} : JSON.parse(json) as Record<string, number>
}

function samplesQuery (db: Kysely<Database>, targetId: string) {
  return db.selectFrom('runs')
    .leftJoin('run_histograms', (join) => join.onRef('run_histograms.run_id', '=', 'runs.id')
      .on('run_histograms.metric', '=', 'http_req_duration'))
    .select(['runs.id', 'runs.started_at', 'runs.finished_at', 'runs.p50_ms', 'runs.p95_ms', 'runs.p99_ms',
      'runs.rps', 'runs.requests', 'runs.failed_requests', 'runs.status_counts_json', 'runs.error_kinds_json',
      'run_histograms.histogram'])
    .where('runs.target_id', '=', targetId)
    .where('runs.status', 'in', JUDGED_STATUSES)
}

type SampleRow = Awaited<ReturnType<ReturnType<typeof samplesQuery>['execute']>>[number]

function sampleOf (row: SampleRow): RunSample {
  return {
    runId: row.id,
    at: Number(row.finished_at ?? row.started_at),
    p50Ms: row.p50_ms, p95Ms: row.p95_ms, p99Ms: row.p99_ms,
    latencyHistogram: row.histogram ?? null,
    requests: Number(row.requests ?? 0),
    failedRequests: Number(row.failed_requests ?? 0),
    statusCounts: parseCounts(row.status_counts_json),
    errorKinds: parseCounts(row.error_kinds_json),
    rps: row.rps,
  }
}

/** The newest judged runs of a target (up to and including `until` when given), oldest first. */
async function recentSamples (db: Kysely<Database>, targetId: string, until?: { startedAt: number, id: string }):
Promise<RunSample[]> {
  let q = samplesQuery(db, targetId)
  if (until !== undefined) {
    q = q.where((eb) => eb(eb.refTuple('runs.started_at', 'runs.id'), '<=', eb.tuple(until.startedAt, until.id)))
  }
  const rows = await q.orderBy('runs.started_at', 'desc').orderBy('runs.id', 'desc').limit(SAMPLE_RUNS).execute()
  return rows.reverse().map(sampleOf)
}

async function baselineState (db: Kysely<Database>, targetId: string): Promise<BaselineState> {
  const row = await db.selectFrom('target_baselines').selectAll().where('target_id', '=', targetId).executeTakeFirst()
  const acceptedAt = row?.accepted_at ?? null
  const state: BaselineState = {
    pinned: null, pinnedIds: null, from: null, to: null, acceptedAt: acceptedAt === null ? null : Number(acceptedAt),
  }
  if (row === undefined) return state
  if (row.run_ids_json !== null) {
    const ids = JSON.parse(row.run_ids_json) as string[]
    const rows = await samplesQuery(db, targetId).where('runs.id', 'in', ids).orderBy('runs.started_at').execute()
    return { ...state, pinned: rows.map(sampleOf), pinnedIds: ids }
  }
  if (row.from_ms !== null && row.to_ms !== null) {
    const rows = await samplesQuery(db, targetId).where('runs.started_at', '>=', row.from_ms)
      .where('runs.started_at', '<=', row.to_ms).orderBy('runs.started_at').limit(PINNED_RUNS_MAX).execute()
    return { ...state, pinned: rows.map(sampleOf), from: Number(row.from_ms), to: Number(row.to_ms) }
  }
  return state
}

function detect (runs: RunSample[], state: BaselineState) {
  return detectChanges({
    runs,
    ...(state.pinned !== null ? { baseline: state.pinned } : {}),
    ...(state.acceptedAt !== null ? { acceptedAt: state.acceptedAt } : {}),
  })
}

// New runs in which an open change must go unseen before it resolves: one normal run inside a lasting regression is a
// spike the other way, and resolving on it would notify "resolved" and then "firing" again for one incident.
const RESOLVE_AFTER_UNSEEN_RUNS = 2

/** Why changes are tracked now: a new run (resolving waits for runs without the change) or a new baseline (at once). */
export type TrackReason = 'run' | 'baseline'

/** How many of `runs` (oldest first) came after the run with this id; all of them when it is not among them. */
function runsSince (runs: RunSample[], runId: string): number {
  const i = runs.findIndex((r) => r.runId === runId)
  return i < 0 ? runs.length : runs.length - 1 - i
}

/**
 * Re-detects a target's changes from its newest runs and records them: a change stays one row (per metric) while
 * the detector sees it, and becomes `resolved` once it has not seen it for RESOLVE_AFTER_UNSEEN_RUNS new runs, or at
 * once when the baseline itself changed (pinned, unpinned, a change accepted). Accepted changes are left alone.
 */
export async function trackChanges (store: Store, targetId: string, reason: TrackReason = 'run'): Promise<void> {
  await store.transaction(async (_r, trx) => {
    const runs = await recentSamples(trx, targetId)
    const newest = runs.at(-1)
    if (newest === undefined) return
    const detected = detect(runs, await baselineState(trx, targetId)).changes.filter((c) => c.regression)
    const open = await trx.selectFrom('changes').selectAll().where('target_id', '=', targetId)
      .where('state', '=', 'open').execute()
    const now = Date.now()
    for (const change of detected) {
      const existing = open.find((row) => row.metric === change.metric)
      const fields = {
        direction: change.direction, started_run_id: change.startedRunId, started_at: change.startedAt,
        details_json: JSON.stringify(change), last_seen_run_id: newest.runId,
      }
      if (existing !== undefined) {
        await trx.updateTable('changes').set(fields).where('id', '=', existing.id).execute()
      } else {
        // Another replica may have opened the same change since this transaction read: the unique index on open
        // changes turns that race into an update of its row, not a second row.
        await trx.insertInto('changes').values({
          id: randomUUID(), target_id: targetId, metric: change.metric, state: 'open', detected_at: now,
          detected_run_id: newest.runId, resolved_at: null, accepted_at: null, ...fields,
        }).onConflict((oc) => oc.columns(['target_id', 'metric']).where('state', '=', sql.lit('open')).doUpdateSet(fields))
          .execute()
      }
    }
    for (const row of open) {
      if (detected.some((c) => c.metric === row.metric)) continue
      const unseen = runsSince(runs, row.last_seen_run_id ?? row.detected_run_id)
      if (reason === 'run' && unseen < RESOLVE_AFTER_UNSEEN_RUNS) continue
      await trx.updateTable('changes').set({ state: 'resolved', resolved_at: now }).where('id', '=', row.id).execute()
    }
  })
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString())

/** A stored change as the API answers it. */
export function toChange (row: ChangeRow): Change {
  return {
    id: row.id, targetId: row.target_id, metric: row.metric, direction: row.direction, state: row.state,
    startedRunId: row.started_run_id, startedAt: iso(row.started_at) ?? '', detectedAt: iso(row.detected_at) ?? '',
    detectedRunId: row.detected_run_id, resolvedAt: iso(row.resolved_at), acceptedAt: iso(row.accepted_at),
    details: JSON.parse(row.details_json) as Record<string, unknown>,
  }
}

/** The relative change of an open change, from its detector details. */
export function relativeChangeOf (detailsJson: string): number | null {
  const value = (JSON.parse(detailsJson) as Partial<DetectedChange>).relativeChange
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** Median, quartiles and extremes of one figure over the baseline runs that have it; null when none has. */
function spreadOf (samples: RunSample[], pick: (s: RunSample) => number | null): BaselineSpread | null {
  const values = samples.map(pick).filter((v): v is number => v !== null && Number.isFinite(v))
  if (values.length === 0) return null
  return {
    median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75),
    min: Math.min(...values), max: Math.max(...values), runs: values.length,
  }
}

function latencySpreads (samples: RunSample[]): TargetBaseline['latencyMs'] {
  return {
    p50: spreadOf(samples, (s) => s.p50Ms),
    p95: spreadOf(samples, (s) => s.p95Ms),
    p99: spreadOf(samples, (s) => s.p99Ms),
  }
}

/** A target's baseline now: pinned runs or range, or the rolling baseline the detector uses; with its spread. */
export async function targetBaseline (db: Kysely<Database>, targetId: string): Promise<TargetBaseline> {
  const state = await baselineState(db, targetId)
  const common = { targetId, from: iso(state.from), to: iso(state.to), acceptedAt: iso(state.acceptedAt) }
  if (state.pinned !== null) {
    const runIds = state.pinnedIds ?? state.pinned.map((s) => s.runId)
    return { ...common, mode: 'pinned', runIds, latencyMs: latencySpreads(state.pinned) }
  }
  const runs = await recentSamples(db, targetId)
  const runIds = runs.length === 0 ? [] : detect(runs, state).baselineRunIds
  const chosen = new Set(runIds)
  return { ...common, mode: 'rolling', runIds, latencyMs: latencySpreads(runs.filter((s) => chosen.has(s.runId))) }
}

/** A run beside the baseline it was (or would have been) judged against; null when there is none. */
export async function baselineComparisonOf (
  db: Kysely<Database>,
  run: { id: string, targetId: string, startedAt: string, status: string },
): Promise<BaselineComparison | null> {
  if (!(JUDGED_STATUSES as readonly string[]).includes(run.status)) return null
  const runs = await recentSamples(db, run.targetId, { startedAt: Date.parse(run.startedAt), id: run.id })
  const sample = runs.at(-1)
  if (sample?.runId !== run.id) return null
  const state = await baselineState(db, run.targetId)
  const baselineIds = state.pinned !== null
    ? state.pinned.map((s) => s.runId).filter((id) => id !== run.id)
    : detect(runs, state).baselineRunIds
  const byId = new Map([...runs, ...(state.pinned ?? [])].map((s) => [s.runId, s]))
  const baseline = baselineIds.map((id) => byId.get(id)).filter((s): s is RunSample => s !== undefined)
  if (baseline.length === 0) return null
  return {
    mode: state.pinned !== null ? 'pinned' : 'rolling',
    runIds: baseline.map((s) => s.runId),
    metrics: compareRunToBaseline(sample, baseline),
  }
}
