import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { startServer, type RunningServer } from '@loadfleet/server'
import { PG_URL, createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

describe('control plane on PostgreSQL when the database drops its connections', () => {
  let db: TestDatabase
  let server: RunningServer
  let databaseUrl: string

  beforeAll(async () => {
    db = await createTestDatabase('postgres')
    databaseUrl = db.databaseUrl ?? ''
    server = await startServer(serverOptionsFor(db))
  })

  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('survives its idle connections being terminated and answers from fresh ones', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    const name = new URL(databaseUrl).pathname.slice(1)
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    const killed = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name])
    await admin.end()
    expect(killed.rowCount).toBeGreaterThan(0)
    // Give the pool time to see the terminations; an unhandled pool error would fail this run.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    const targets = await fetch(`${server.url}/api/dashboard/k6/targets`)
    expect(targets.status).toBe(200)
  })
})
