// Failover benchmark (not a test): two control-plane processes on one PostgreSQL database; the leader is SIGKILLed
// and the time until the other replica leads, reaps a lost agent's run and sends a notification is measured.
// Needs `npm run build` and PostgreSQL (LOADFLEET_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test).
// Env: BENCH_LEASES_MS (default "2000,5000,15000", 15000 being the default lease), BENCH_ROUNDS (default 2 per lease).
// Writes bench/results/ha-failover.{md,json}.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { ApiClient } from '@loadfleet/api'
import { writeFileSync } from 'node:fs'
import { machine } from '../engine/report.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const RESULTS = join(HERE, '..', 'results')
const CLI = join(HERE, '..', '..', 'packages', 'cli', 'bin', 'loadfleet.js')
const PG_URL = process.env.LOADFLEET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const LEASES_MS = (process.env.BENCH_LEASES_MS ?? '2000,5000,15000').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const ADMIN = 'admin:bench-admin-secret'
const AGENT_TOKEN = 'bench-agent-token-0123456789'
// Pass periods short beside the lease, so the measured time is the election's, not a pass's wait.
const PASS_MS = 100

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor (what, check, timeoutMs) {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (await check()) return performance.now()
    await sleep(10)
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function startReplica (name, databaseUrl, dataDir, leaseMs) {
  let output = ''
  const child = spawn(process.execPath, [CLI, 'server'], {
    env: {
      PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dataDir, name), DATABASE_URL: databaseUrl,
      ADMIN_BASIC_AUTH: ADMIN, DASHBOARD_SECRET: AGENT_TOKEN, LOG_LEVEL: 'warn', LOG_FORMAT: 'json',
      LOADFLEET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), LEADER_LEASE_MS: String(leaseMs),
      REAPER_INTERVAL_MS: String(PASS_MS), ALERT_EVAL_INTERVAL_MS: String(PASS_MS), FLEET_SCALER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (chunk) => { output += chunk.toString() })
  child.stderr.on('data', (chunk) => { output += chunk.toString() })
  await waitFor(`replica ${name} to listen`, () => Promise.resolve(/listening on (http:\S+?)["\s]/.test(output)), 60_000)
  return { name, child, url: /listening on (http:\S+?)["\s]/.exec(output)[1] }
}

async function leads (replica) {
  const text = await (await fetch(`${replica.url}/api/metrics`)).text()
  return /^loadfleet_leader 1$/m.test(text)
}

async function round (leaseMs) {
  const name = `lf_bench_${randomBytes(6).toString('hex')}`
  const adminDb = new pg.Client({ connectionString: PG_URL })
  await adminDb.connect()
  await adminDb.query(`create database ${name}`)
  await adminDb.end()
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  const dataDir = mkdtempSync(join(os.tmpdir(), 'lf-bench-ha-'))
  const notifications = []
  const receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => { notifications.push(performance.now()); res.end('{}') })
  })
  receiver.listen(0, '127.0.0.1')
  await once(receiver, 'listening')
  const sql = new pg.Client({ connectionString: url.toString() })
  const replicas = []
  try {
    await sql.connect()
    replicas.push(await startReplica('a', url.toString(), dataDir, leaseMs))
    await waitFor('replica a to lead', () => leads(replicas[0]), 30_000)
    replicas.push(await startReplica('b', url.toString(), dataDir, leaseMs))
    const [a, b] = replicas
    const apiA = new ApiClient({ baseUrl: a.url, adminAuth: ADMIN, agentToken: AGENT_TOKEN })
    const apiB = new ApiClient({ baseUrl: b.url, adminAuth: ADMIN, agentToken: AGENT_TOKEN })
    await apiA.createAlertChannel({
      name: 'bench', type: 'webhook', url: `http://127.0.0.1:${receiver.address().port}/hook`,
      groupWaitMs: 0, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000,
    })
    await apiA.createAlertRule({ name: 'Slow', condition: 'p95 > 100ms', k: 1, m: 1, severity: 'critical', selector: { team: 'bench' } })
    const target = await apiA.createTarget({ url: 'http://127.0.0.1:9/', label: 'bench', labels: { team: 'bench' }, runIntervalMs: 3_600_000 })
    await apiB.registerAgent({ name: 'lost' })
    await apiB.registerAgent({ name: 'worker' })
    await apiB.startRun('lost', { id: 'lost-run-1', targetId: target.id })

    // Kill the leader; then give the survivor work only a leader does: a lost agent's run, a firing alert.
    const killedAt = performance.now()
    a.child.kill('SIGKILL')
    await sql.query('update agents set last_seen_at = $1 where name = $2', [Date.now() - 600_000, 'lost'])
    const t = Date.now() - 5000
    await apiB.startRun('worker', { id: 'slow-run-1', targetId: target.id, startedAt: new Date(t).toISOString() })
    await apiB.finishRun('worker', 'slow-run-1', {
      status: 'passed', finishedAt: new Date(t + 1000).toISOString(),
      metrics: {
        p50_ms: 500, p95_ms: 900, p99_ms: 950, avg_ms: 500, error_rate: 0, rps: 10,
        data_received_bytes: 1, iterations: 10,
      },
    })
    const ledAt = await waitFor('replica b to lead', () => leads(b), 10 * leaseMs)
    const reapedAt = await waitFor('the lost run reaped', async () =>
      (await sql.query("select status from runs where id = 'lost-run-1'")).rows[0]?.status === 'error', 10 * leaseMs)
    const notifiedAt = await waitFor('the notification', () => Promise.resolve(notifications.length > 0), 10 * leaseMs)
    await sleep(1000)
    return {
      leaseMs,
      leaderMs: ledAt - killedAt,
      reapMs: reapedAt - killedAt,
      notifyMs: notifiedAt - killedAt,
      notifications: notifications.length,
    }
  } finally {
    for (const replica of replicas) replica.child.kill('SIGKILL')
    await sql.end().catch(() => undefined)
    receiver.close()
    const drop = new pg.Client({ connectionString: PG_URL })
    await drop.connect()
    await drop.query(`drop database if exists ${name} with (force)`)
    await drop.end()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const rounds = []
for (const leaseMs of LEASES_MS) {
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round(leaseMs)
    console.log(`lease ${leaseMs} ms, round ${i + 1}: leader after ${r.leaderMs.toFixed(0)} ms, reaped after ` +
      `${r.reapMs.toFixed(0)} ms, notified after ${r.notifyMs.toFixed(0)} ms (${r.notifications} notification)`)
    rounds.push(r)
  }
}

const fmt = (n) => n.toFixed(0)
const lines = [
  '# Control-plane failover (two replicas on one PostgreSQL, leader SIGKILLed)',
  '',
  'Times from the SIGKILL of the leader until the other replica leads (its `loadfleet_leader` gauge, polled every',
  '10 ms), until it has reaped a lost agent\'s run, and until it has delivered the notification of an alert that fired',
  `after the kill. Reaper and alert passes every ${PASS_MS} ms; the lease is renewed every lease/3, and taken over once`,
  'it has expired by the database\'s clock. Goal: leadership back within 2 × the lease; every notification sent once.',
  '',
  '| lease ms | round | leader ms | first reap ms | first notification ms | notifications | within 2 × lease |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rounds.map((r, i) => `| ${r.leaseMs} | ${i % ROUNDS + 1} | ${fmt(r.leaderMs)} | ${fmt(r.reapMs)} | ${fmt(r.notifyMs)} | ` +
    `${r.notifications} | ${r.leaderMs < 2 * r.leaseMs ? 'yes' : 'NO'} |`),
  '',
  `Machine: ${JSON.stringify(machine({ loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100) }))}`,
  '',
]
writeFileSync(join(RESULTS, 'ha-failover.md'), lines.join('\n'))
writeFileSync(join(RESULTS, 'ha-failover.json'), `${JSON.stringify({ finishedAt: new Date().toISOString(), machine: machine(), rounds }, null, 2)}\n`)
console.log(lines.join('\n'))
