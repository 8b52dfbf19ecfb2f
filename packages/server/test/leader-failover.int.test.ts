import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { openDatabase, type DatabaseHandle } from '../src/db/database.js'
import { LeadershipLost, LeaseLeadership } from '../src/leadership/leadership.js'
import { createTestDatabase, type TestDatabase } from './helpers/databases.js'
import { parseExposition, sampleValue } from './helpers/prom-text.js'
import { Receiver } from './helpers/receiver.js'

const CLI = fileURLToPath(new URL('../../cli/bin/loadfleet.js', import.meta.url))
const CLI_BUILT = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url))
const ADMIN = 'admin:failover-admin-secret'
const AGENT_TOKEN = 'failover-agent-token-0123456789'
const LEASE_MS = 2000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Replica { name: string, child: ChildProcess, url: string, output: () => string }

/** A control-plane process on the shared database, with short lease and pass periods so failover is quick to see. */
async function startReplica (name: string, databaseUrl: string, dataDir: string): Promise<Replica> {
  let output = ''
  const child = spawn(process.execPath, [CLI, 'server'], {
    env: {
      PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dataDir, name), DATABASE_URL: databaseUrl,
      ADMIN_BASIC_AUTH: ADMIN, DASHBOARD_SECRET: AGENT_TOKEN, LOG_LEVEL: 'info', LOG_FORMAT: 'json',
      // Replicas sharing PostgreSQL share the sealing key (the channels' URLs are sealed with it).
      LOADFLEET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      LEADER_LEASE_MS: String(LEASE_MS), REAPER_INTERVAL_MS: '200', ALERT_EVAL_INTERVAL_MS: '200', FLEET_SCALER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const deadline = Date.now() + 30_000
  while (!/listening on (http:\S+?)["\s]/.test(output) && Date.now() < deadline) await sleep(50)
  const url = /listening on (http:\S+?)["\s]/.exec(output)?.[1] ?? ''
  expect(url, output).not.toBe('')
  return { name, child, url, output: () => output }
}

async function metricsOf (replica: Replica): Promise<ReturnType<typeof parseExposition>> {
  return parseExposition(await (await fetch(`${replica.url}/api/metrics`)).text())
}

async function isLeader (replica: Replica): Promise<boolean> {
  return sampleValue(await metricsOf(replica), 'loadfleet_leader') === 1
}

async function waitFor (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('leader election: two control-plane processes on one PostgreSQL database, the leader SIGKILLed', () => {
  let db: TestDatabase
  let sql: pg.Client
  let a: Replica
  let b: Replica
  const receiver = new Receiver()
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-failover-'))

  beforeAll(async () => {
    expect(existsSync(CLI_BUILT), 'run `npm run build` first: this test starts the built CLI').toBe(true)
    await receiver.start()
    db = await createTestDatabase('postgres')
    sql = new pg.Client({ connectionString: db.databaseUrl })
    await sql.connect()
    a = await startReplica('a', db.databaseUrl ?? '', dataDir)
    await waitFor('replica a to lead', () => isLeader(a), 10_000)
    b = await startReplica('b', db.databaseUrl ?? '', dataDir)
  }, 90_000)

  afterAll(async () => {
    a.child.kill('SIGKILL')
    b.child.kill('SIGKILL')
    await sql.end()
    await db.drop()
    await receiver.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** Registers an agent, starts a run on it, and backdates the agent so the reaper finds it lost. */
  async function lostRun (api: ApiClient, name: string, targetId: string): Promise<string> {
    await api.registerAgent({ name })
    const runId = `${name}-run`
    await api.startRun(name, { id: runId, targetId })
    await sql.query('update agents set last_seen_at = $1 where name = $2', [Date.now() - 600_000, name])
    return runId
  }

  /** One slow run: with the rule below, the site's alert fires and one notification is queued. */
  async function slowRun (api: ApiClient, agent: string, targetId: string, id: string): Promise<void> {
    const t = Date.now() - 5000
    await api.startRun(agent, { id, targetId, startedAt: new Date(t).toISOString() })
    await api.finishRun(agent, id, {
      status: 'passed', finishedAt: new Date(t + 1000).toISOString(),
      metrics: {
        p50_ms: 500, p95_ms: 900, p99_ms: 950, avg_ms: 500, error_rate: 0, rps: 10,
        data_received_bytes: 1, iterations: 10,
      },
    })
  }

  it('moves leadership within 2 × the lease, and reaps no run and sends no notification twice', async () => {
    expect(await isLeader(b)).toBe(false)
    const apiA = new ApiClient({ baseUrl: a.url, adminAuth: ADMIN, agentToken: AGENT_TOKEN })
    const apiB = new ApiClient({ baseUrl: b.url, adminAuth: ADMIN, agentToken: AGENT_TOKEN })
    await apiA.createAlertChannel({
      name: 'ops', type: 'webhook', url: `${receiver.url}/hook`, groupWaitMs: 0, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000,
    })
    await apiA.createAlertRule({ name: 'Slow', condition: 'p95 > 100ms', k: 1, m: 1, severity: 'critical', selector: { team: 'shop' } })
    const before = await apiA.createTarget({ url: 'http://127.0.0.1:9/before', label: 'before', labels: { team: 'shop' }, runIntervalMs: 3_600_000 })
    const after = await apiA.createTarget({ url: 'http://127.0.0.1:9/after', label: 'after', labels: { team: 'shop' }, runIntervalMs: 3_600_000 })

    // While both run: only the leader reaps and notifies.
    const firstRun = await lostRun(apiB, 'lost-1', before.id)
    await apiB.registerAgent({ name: 'worker' })
    await slowRun(apiB, 'worker', before.id, 'slow-run-1')
    await waitFor('the first run reaped', async () => (await apiB.getRun(firstRun)).status === 'error', 10_000)
    await waitFor('the first notification', () => Promise.resolve(receiver.received.length >= 1), 10_000)
    expect(sampleValue(await metricsOf(a), 'reaper_k6runs_errored_total')).toBe(1)
    expect(sampleValue(await metricsOf(b), 'reaper_k6runs_errored_total')).toBe(0)
    const reapedAt = (await sql.query<{ reaped_at: string }>('select reaped_at from runs where id = $1', [firstRun])).rows[0]?.reaped_at
    expect(reapedAt).toBeTruthy()

    // SIGKILL the leader: no release, its lease must lapse.
    const killedAt = performance.now()
    a.child.kill('SIGKILL')
    await waitFor('replica b to lead', () => isLeader(b), 4 * LEASE_MS)
    const failoverMs = performance.now() - killedAt
    console.log(`failover: replica b leads ${Math.round(failoverMs)} ms after the leader was SIGKILLed (lease ${LEASE_MS} ms)`)
    expect(failoverMs).toBeLessThan(2 * LEASE_MS)
    const lease = await sql.query<{ token: string }>("select token from leader_leases where name = 'control-plane'")
    expect(Number(lease.rows[0]?.token)).toBe(2) // the next fencing token

    // The new leader does the singletons' work: reaps a newly lost agent's run and sends the new notification.
    const secondRun = await lostRun(apiB, 'lost-2', after.id)
    await slowRun(apiB, 'worker', after.id, 'slow-run-2')
    await waitFor('the second run reaped', async () => (await apiB.getRun(secondRun)).status === 'error', 10_000)
    await waitFor('the second notification', () => Promise.resolve(receiver.received.length >= 2), 10_000)
    await sleep(1500) // several more passes of b's reaper and alerting

    expect(sampleValue(await metricsOf(b), 'reaper_k6runs_errored_total')).toBe(1)
    const reapedAgain = (await sql.query<{ reaped_at: string }>('select reaped_at from runs where id = $1', [firstRun])).rows[0]?.reaped_at
    expect(reapedAgain).toBe(reapedAt)
    const keys = receiver.received.map((r) => String(r.headers['idempotency-key']))
    expect(keys.length).toBe(2)
    expect(new Set(keys).size).toBe(2)
    const sites = receiver.received.map((r) => (r.body as { groupLabels: { site: string } }).groupLabels.site)
    expect(sites).toEqual(['before', 'after'])
    expect(b.output()).toMatch(/"msg":"leadership taken"/)
  })
})

describe('fencing: a replica whose lease was taken over cannot write as leader', () => {
  it('rolls back the paused old leader\'s transaction, and a takeover waits for a fenced one to end', async () => {
    const db = await createTestDatabase('postgres')
    const handles: DatabaseHandle[] = []
    const open = async () => {
      const handle = await openDatabase({ kind: 'postgres', url: db.databaseUrl ?? '' })
      handles.push(handle)
      return handle.db
    }
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never
    // Leases long enough that only the test moves them.
    const old = new LeaseLeadership({ db: await open(), log: silent, options: { leaseMs: 60_000 } })
    const next = new LeaseLeadership({ db: await open(), log: silent, options: { leaseMs: 60_000 } })
    const sql = await open()
    try {
      await old.start()
      await next.start()
      expect([old.isLeader(), old.token(), next.isLeader()]).toEqual([true, 1, false])

      // A fenced transaction holds the lease: a takeover attempt waits for it instead of overlapping it.
      let released = false
      const fenced = sql.transaction().execute(async (trx) => {
        await old.fence(trx)
        await new Promise((resolve) => setTimeout(resolve, 500))
        released = true
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
      const takeover = sql.transaction().execute(async (trx) => {
        await trx.updateTable('leader_leases').set({ expires_at: 0 }).where('name', '=', 'control-plane').execute()
        return released
      })
      expect(await takeover).toBe(true)
      await fenced

      // The old leader, paused past its lease (expired above), still believes it leads by its own clock; the next
      // replica takes the lease with token 2, and the old leader's fenced writes now roll back.
      await next.start()
      expect([next.isLeader(), next.token()]).toEqual([true, 2])
      expect(old.isLeader()).toBe(true)
      await expect(sql.transaction().execute(async (trx) => {
        await trx.updateTable('runs').set({ status: 'error' }).execute()
        await old.fence(trx)
      })).rejects.toBeInstanceOf(LeadershipLost)
      await sql.transaction().execute(async (trx) => { await next.fence(trx) })
    } finally {
      await old.stop()
      await next.stop()
      for (const handle of handles) await handle.close()
      await db.drop()
    }
  })
})
