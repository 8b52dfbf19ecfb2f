import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely'
import type { Database } from './schema.js'
import { migrationProvider, type DialectName } from './migrations/index.js'

export type { DialectName } from './migrations/index.js'

export interface DatabaseHandle {
  db: Kysely<Database>
  dialect: DialectName
  close (): Promise<void>
}

export type DatabaseLocation = { kind: 'sqlite', file: string } | { kind: 'postgres', url: string }

// A writer waits this long for SQLite's lock instead of failing at once with SQLITE_BUSY.
const SQLITE_BUSY_TIMEOUT_MS = 5000
// Enough for the API plus the reaper; more connections only queue inside PostgreSQL.
const PG_POOL_MAX = 10
const PG_INT8_OID = 20
// A request waits at most this long for a connection while the database is down or restarting, then gets a 503.
const PG_CONNECT_TIMEOUT_MS = 5000
// Distinct statement texts the API uses are a few hundred; the bound keeps ad-hoc IN (…) lists from growing it.
const STATEMENT_CACHE_MAX = 1000

/** Opens the store and applies pending migrations; the caller owns close(). */
export async function openDatabase (location: DatabaseLocation): Promise<DatabaseHandle> {
  const handle = location.kind === 'sqlite' ? openSqlite(location.file) : openPostgres(location.url)
  try {
    await migrate(handle)
  } catch (err) {
    await handle.close()
    throw err
  }
  return handle
}

function openSqlite (file: string): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return { db, dialect: 'sqlite', close: () => db.destroy() }
}

/**
 * Kysely prepares every query anew; the API runs the same few hundred statements all day, so reuse them
 * (preparing costs more than running a small indexed query).
 */
function withStatementCache (sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>()
  return {
    close: () => { sqlite.close() },
    prepare (text: string) {
      let statement = cache.get(text)
      if (statement === undefined) {
        if (cache.size >= STATEMENT_CACHE_MAX) cache.clear()
        statement = sqlite.prepare(text)
        cache.set(text, statement)
      }
      return statement
    },
  }
}

function openPostgres (url: string): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: PG_POOL_MAX,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    // Epoch-ms columns are bigint; they fit a JS number exactly, so read them as numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => oid === PG_INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // A connection the server drops (restart, failover, an admin's pg_terminate_backend) emits 'error': on the pool
  // while the client is idle, on the client itself while it is checked out or inside a transaction. Without a
  // listener either one crashes the control plane. The query in flight fails (the request answers 503), the pool
  // discards the broken client, the next query reconnects, and /readyz reports whether the database can be reached.
  pool.on('error', () => {})
  pool.on('connect', (client) => { client.on('error', () => {}) })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, dialect: 'postgres', close: () => db.destroy() }
}

// SQLSTATE classes and codes that mean "the database is not reachable right now", not "this query is wrong":
// 08 connection exception, 57P01-57P03 shutdown / crash / starting up, 53300 too many connections.
const PG_UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300'])
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
// SQLite: locked beyond busy_timeout, disk full, I/O error, file gone.
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)/
const PG_CLIENT_MESSAGES = [
  'Connection terminated', 'timeout exceeded when trying to connect', 'is not queryable',
  'Client was closed and is not queryable', 'Connection ended unexpectedly',
]

/** True when `err` (or its cause) says the store cannot be reached right now, so a retry may succeed. */
export function isDatabaseUnavailable (err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') {
      if (code.startsWith('08') && code.length === 5) return true
      if (PG_UNAVAILABLE_STATES.has(code) || NODE_NETWORK_CODES.has(code) || SQLITE_UNAVAILABLE.test(code)) return true
    }
    if (PG_CLIENT_MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true
  }
  return false
}

async function migrate (handle: DatabaseHandle): Promise<void> {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error })
}
