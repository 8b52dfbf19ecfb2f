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
    // Epoch-ms columns are bigint; they fit a JS number exactly, so read them as numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => oid === PG_INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle connection the server drops (restart, failover, an admin's pg_terminate_backend) is reported here.
  // Without a listener that would crash the control plane; the pool discards the client and the next query
  // reconnects, while /readyz reports whether the database can be reached.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, dialect: 'postgres', close: () => db.destroy() }
}

async function migrate (handle: DatabaseHandle): Promise<void> {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error })
}
