import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_URL = process.env.LOADFLEET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  kind: 'sqlite' | 'postgres'
  /** databaseUrl for startServer (undefined for SQLite, which lives in dataDir). */
  databaseUrl: string | undefined
  dataDir: string
  drop (): Promise<void>
}

/** A temporary data dir, and for PostgreSQL a fresh database created for this test and dropped after it. */
export async function createTestDatabase (kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-server-'))
  if (kind === 'sqlite') {
    const drop = () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true }))
    return { kind, databaseUrl: undefined, dataDir, drop }
  }
  const name = `lf_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  return {
    kind,
    databaseUrl: url.toString(),
    dataDir,
    async drop () {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** startServer options for a test database: no outside environment, any free port, quiet logs. */
export function serverOptionsFor (db: TestDatabase): {
  env: Record<string, string>, port: number, dataDir: string, logLevel: string, databaseUrl?: string
} {
  return {
    env: {}, port: 0, dataDir: db.dataDir, logLevel: 'silent',
    ...(db.databaseUrl === undefined ? {} : { databaseUrl: db.databaseUrl }),
  }
}
