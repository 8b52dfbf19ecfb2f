import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { REAPER_LOCK_KEY } from '../src/reaper/reaper.js'
import { createTestDatabase, type TestDatabase } from './helpers/databases.js'

const STALE_AGENTS = 25

describe('two control-plane replicas on one PostgreSQL database', () => {
  let db: TestDatabase
  let a: RunningServer
  let b: RunningServer

  beforeAll(async () => {
    db = await createTestDatabase('postgres')
    const common = {
      env: {}, port: 0, dataDir: db.dataDir, databaseUrl: db.databaseUrl ?? '', logLevel: 'silent',
      adminBasicAuth: 'admin:replica-secret', dashboardSecret: 'replica-agent-token',
      // Periodic passes effectively off: this test drives every pass itself.
      reaper: { intervalMs: 3_600_000, agentOfflineAfterMs: 60_000 },
    }
    // Both start at once: concurrent migrations must not trip over each other.
    ;[a, b] = await Promise.all([startServer(common), startServer(common)])
  })
  afterAll(async () => {
    await a.close()
    await b.close()
    await db.drop()
  })

  it('both serve the API over the same data', async () => {
    const apiB = new ApiClient({ baseUrl: b.url, adminAuth: b.adminAuth, agentToken: b.agentToken })
    const target = await apiB.createTarget({ url: 'https://example.com' })
    const { credential } = await apiB.registerAgent({ name: 'via-b' })
    // The credential issued by one replica is good on the other: it lives in the shared database.
    const apiA = new ApiClient({ baseUrl: a.url, adminAuth: a.adminAuth, agentCredentials: { 'via-b': credential } })
    expect((await apiA.getTarget(target.id)).url).toBe('https://example.com/')
    expect((await apiA.dashboardAgents()).data.map((x) => x.name)).toContain('via-b')
    await apiA.startRun('via-b', { id: 'replica-run-1', targetId: target.id })
    expect((await apiB.getRun('replica-run-1')).status).toBe('running')
  })

  it('lets only one reaper act at a time (PostgreSQL advisory lock)', async () => {
    const client = new pg.Client({ connectionString: db.databaseUrl })
    await client.connect()
    try {
      const longAgo = Date.now() - 600_000 // past offline (1 min here), short of deletion (1 h)
      for (let i = 0; i < STALE_AGENTS; i++) {
        await client.query(
          'insert into agents (name, status, current_run_id, version, registered_at, last_seen_at) values ($1, $2, null, $3, $4, $4)',
          [`stale-${i}`, 'online', '1', longAgo])
      }
      // While a third party holds the lock, neither replica's reaper touches anything.
      await client.query('select pg_advisory_lock($1)', [REAPER_LOCK_KEY])
      const blocked = await Promise.all([a.reapNow(), b.reapNow()])
      expect(blocked.map((r) => r.acted)).toEqual([false, false])
      const still = await client.query<{ n: string }>("select count(*) as n from agents where status = 'online' and name like 'stale-%'")
      expect(Number(still.rows[0]?.n)).toBe(STALE_AGENTS)
      await client.query('select pg_advisory_unlock($1)', [REAPER_LOCK_KEY])

      // Released: passes racing on both replicas mark each stale agent offline exactly once in total.
      const results = await Promise.all([a.reapNow(), b.reapNow(), a.reapNow(), b.reapNow()])
      expect(results.some((r) => r.acted)).toBe(true)
      expect(results.reduce((sum, r) => sum + r.agentsMarkedOffline, 0)).toBe(STALE_AGENTS)
      const offline = await client.query<{ n: string }>("select count(*) as n from agents where status = 'offline' and name like 'stale-%'")
      expect(Number(offline.rows[0]?.n)).toBe(STALE_AGENTS)
    } finally {
      await client.end()
    }
  })
})
