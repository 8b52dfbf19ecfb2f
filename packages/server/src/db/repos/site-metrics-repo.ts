import { sql, type Kysely } from 'kysely'
import type { Database, RunRow } from '../schema.js'

/** How many finished runs `recentStatuses` looks back over (the "k of the last m" window of the default alert). */
export const RECENT_RUNS = 3

/** What the Prometheus per-site series are made of, for one target. */
export interface SiteSnapshot {
  id: string
  /** What the series call the site: its label, else its URL's host (never the path or query string), else its id. */
  name: string
  enabled: boolean
  runIntervalMs: number
  createdAt: number
  /** When the site's settings last changed (its creation when never edited): "no run since" counts from here. */
  updatedAt: number
  /** Start of the newest run of any status (epoch ms), null when it never ran. */
  lastStartedAt: number | null
  /** The newest finished run (`passed`, `failed` or `error`), null when none finished yet. */
  lastFinished: {
    status: Exclude<RunRow['status'], 'running'>
    finishedAt: number | null
    p50Ms: number | null
    p95Ms: number | null
    p99Ms: number | null
    errorRate: number | null
    rps: number | null
  } | null
  /** Statuses of the newest finished runs, newest first, at most RECENT_RUNS. */
  recentStatuses: Array<Exclude<RunRow['status'], 'running'>>
}

type Finished = Exclude<RunRow['status'], 'running'>

function siteName (target: { id: string, label: string, url: string }): string {
  if (target.label !== '') return target.label
  try {
    return new URL(target.url).host
  } catch {
    return target.id
  }
}

/**
 * Every target with its newest runs in ONE query: each correlated subquery is a short backward range scan of the
 * (target_id, started_at, id) index, so the cost grows with the number of targets, not with the runs table.
 */
export async function siteSnapshots (db: Kysely<Database>): Promise<SiteSnapshot[]> {
  const targetId = sql.ref<string>('t.id')
  const finishedOf = (offset: number) => db.selectFrom('runs as f').select('f.id')
    .where('f.target_id', '=', targetId).where('f.status', 'not in', ['running', 'aborted'])
    .orderBy('f.started_at', 'desc').orderBy('f.id', 'desc').limit(1).offset(offset)
  const statusOf = (offset: number) => db.selectFrom('runs as s').select('s.status')
    .where('s.target_id', '=', targetId).where('s.status', 'not in', ['running', 'aborted'])
    .orderBy('s.started_at', 'desc').orderBy('s.id', 'desc').limit(1).offset(offset)
  const rows = await db.selectFrom('targets as t')
    .leftJoin('runs as r', (join) => join.on((eb) => eb('r.id', '=', finishedOf(0))))
    .select([
      't.id', 't.label', 't.url', 't.enabled', 't.run_interval_ms', 't.created_at', 't.updated_at',
      'r.status', 'r.finished_at', 'r.p50_ms', 'r.p95_ms', 'r.p99_ms', 'r.error_rate', 'r.rps',
    ])
    .select((eb) => [
      eb.selectFrom('runs as l').select((e) => e.fn.max('l.started_at').as('m'))
        .whereRef('l.target_id', '=', 't.id').as('last_started_at'),
      statusOf(1).as('status1'),
      statusOf(2).as('status2'),
    ])
    .orderBy('t.id')
    .execute()
  return rows.map((row) => {
    const recent = [row.status, row.status1, row.status2]
      .filter((s): s is Finished => s !== null && s !== undefined && s !== 'running')
      .slice(0, RECENT_RUNS)
    return {
      id: row.id,
      name: siteName(row),
      enabled: Number(row.enabled) === 1,
      runIntervalMs: Number(row.run_interval_ms),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      lastStartedAt: row.last_started_at === null ? null : Number(row.last_started_at),
      lastFinished: row.status === null || row.status === 'running' ? null : {
        status: row.status,
        finishedAt: row.finished_at === null ? null : Number(row.finished_at),
        p50Ms: row.p50_ms, p95Ms: row.p95_ms, p99Ms: row.p99_ms, errorRate: row.error_rate, rps: row.rps,
      },
      recentStatuses: recent,
    }
  })
}
