// Fills the runs table with many rows in one transaction, straight through the database driver (fast, and
// not what is being measured). Rows spread over a year, ten targets, a thousand agents and every status.
import SQLite from 'better-sqlite3'
import pg from 'pg'

const SPACING_MS = 30_000
const SUMMARY = JSON.stringify({ metrics: { http_reqs: { type: 'counter', values: { count: 1500, rate: 50 } } } })

function statusOf (i) {
  if (i % 100 === 0) return 'error'
  return i % 10 === 1 ? 'failed' : 'passed'
}

export function bulkInsertSqlite (file, count, targetIds) {
  const db = new SQLite(file)
  db.pragma('journal_mode = WAL')
  const insert = db.prepare(`insert into runs (id, target_id, agent_name, status, duration_s, started_at, finished_at,
    error_message, p50_ms, p95_ms, p99_ms, avg_ms, error_rate, rps, data_received_bytes, iterations, summary_json,
    result_hash, reaped_at) values (?, ?, ?, ?, 30, ?, ?, ?, 10, ?, 40, 12, 0.001, 50, 1000000, 1500, ?, 'bulk', null)`)
  const now = Date.now()
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const startedAt = now - (count - i) * SPACING_MS
      const status = statusOf(i)
      insert.run(`bulk-${String(i).padStart(8, '0')}`, targetIds[i % targetIds.length], `bench-agent-${i % 1000}`,
        status, startedAt, startedAt + SPACING_MS, status === 'error' ? 'bulk error' : null, 20 + (i % 7), SUMMARY)
    }
  })()
  db.close()
  return now
}

export async function bulkInsertPostgres (url, count, targetIds) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const now = Date.now()
  await client.query(`insert into runs (id, target_id, agent_name, status, duration_s, started_at, finished_at,
      error_message, p50_ms, p95_ms, p99_ms, avg_ms, error_rate, rps, data_received_bytes, iterations, summary_json,
      result_hash, reaped_at)
    select 'bulk-' || lpad(i::text, 8, '0'), ($1::text[])[1 + i % array_length($1::text[], 1)], 'bench-agent-' || (i % 1000),
      case when i % 100 = 0 then 'error' when i % 10 = 1 then 'failed' else 'passed' end,
      30, $2::bigint - ($3::bigint - i) * ${SPACING_MS}, $2::bigint - ($3::bigint - i) * ${SPACING_MS} + ${SPACING_MS},
      case when i % 100 = 0 then 'bulk error' end, 10, 20 + i % 7, 40, 12, 0.001, 50, 1000000, 1500, $4, 'bulk', null
    from generate_series(0, $3::int - 1) as i`, [targetIds, now, count, SUMMARY])
  await client.query('analyze runs')
  await client.end()
  return now
}

/** The cursor the API would hand out after row `i` (see packages/server/src/db/repos/cursor.ts). */
export function cursorAfterRow (i, count, now) {
  return Buffer.from(`${now - (count - i) * SPACING_MS}:bulk-${String(i).padStart(8, '0')}`).toString('base64url')
}
