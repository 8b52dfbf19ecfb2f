// Control-plane benchmark: 1,000 simulated agents against one server process, then the runs list over 1,000,000
// stored runs; on SQLite and on PostgreSQL. Usage: npm run build && node bench/control-plane/run.js
import { spawn, execFileSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, tmpdir, release } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import SQLite from 'better-sqlite3'
import { summarize } from './stats.js'
import { bulkInsertPostgres, bulkInsertSqlite, cursorAfterRow } from './bulk-runs.js'
import { measureRunsList } from './runs-list.js'

const here = new URL('.', import.meta.url)
const PG_URL = process.env.LOADFLEET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000)
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60)
const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000)
const KINDS = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',')
const TARGETS = 10

function cpuMsOf (pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10 // utime + stime, in 100 Hz ticks
}
function rssMbOf (pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Math.round(Number(line.split(/\s+/)[1]) / 1024)
}

const children = new Set()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })

async function startServerProcess (env) {
  const child = spawn(process.execPath, [new URL('server.js', here).pathname], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const [line] = await Promise.race([
    (async () => { for await (const l of createInterface({ input: child.stdout })) return [l] })(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('server did not start in 60 s')), 60_000)),
  ])
  return { child, ...JSON.parse(line) }
}
async function stopServerProcess (server) {
  server.child.kill('SIGTERM')
  await new Promise((resolve) => server.child.once('exit', resolve))
}

async function admin (server, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Basic ${Buffer.from(server.adminAuth).toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** From the server's own histogram: the share of agent requests it answered within 25 ms (arrival to response). */
function serverSideShare (text) {
  let total = 0
  let within = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith('loadfleet_http_request_duration_seconds_bucket{') || !line.includes('route="/api/k6/agents/')) continue
    if (line.includes('le="+Inf"')) total += Number(line.split(' ').at(-1))
    if (line.includes('le="0.025"')) within += Number(line.split(' ').at(-1))
  }
  const gauge = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `))
    return line === undefined ? null : Math.round(Number(line.split(' ')[1]) * 1e5) / 100
  }
  return {
    agentRequests: total,
    within25msPct: total === 0 ? null : Math.round(within / total * 10000) / 100,
    eventLoopLagP99Ms: gauge('nodejs_eventloop_lag_p99_seconds'),
    eventLoopLagMaxMs: gauge('nodejs_eventloop_lag_max_seconds'),
  }
}

async function runLoad (server, targetIds) {
  const child = spawn(process.execPath, [new URL('load.js', here).pathname, server.url, server.agentToken, String(AGENTS), String(DURATION_S), targetIds.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk) => { out += chunk })
  const cpuBefore = cpuMsOf(server.child.pid)
  const loadBefore = loadavg()[0]
  await new Promise((resolve) => child.once('exit', resolve))
  const cpuMs = cpuMsOf(server.child.pid) - cpuBefore
  const { elapsedS, latencies, failures, client } = JSON.parse(out)
  const serverSide = serverSideShare(await (await fetch(`${server.url}/api/metrics`)).text())
  const all = Object.entries(latencies).filter(([k]) => k !== 'register').flatMap(([, v]) => v)
  const byKind = Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, {
    ...summarize(v), rps: Math.round(v.length / elapsedS * 10) / 10, failures: failures[k],
  }]))
  return {
    elapsedS: Math.round(elapsedS),
    all: { ...summarize(all), rps: Math.round(all.length / elapsedS) },
    byKind,
    serverCpuPct: Math.round(cpuMs / (elapsedS * 1000) * 100),
    serverRssMb: rssMbOf(server.child.pid),
    client,
    serverSide,
    machineLoad1m: [loadBefore, loadavg()[0]].map((v) => Math.round(v * 10) / 10),
  }
}

async function prepare (kind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-bench-'))
  if (kind === 'sqlite') return { dataDir, env: { BENCH_DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) }
  const name = `lf_bench_${randomBytes(4).toString('hex')}`
  const c = new pg.Client({ connectionString: PG_URL }); await c.connect(); await c.query(`create database ${name}`); await c.end()
  const url = new URL(PG_URL); url.pathname = `/${name}`
  return {
    dataDir, url: url.toString(), env: { BENCH_DATA_DIR: dataDir, BENCH_DATABASE_URL: url.toString() },
    drop: async () => {
      const d = new pg.Client({ connectionString: PG_URL }); await d.connect(); await d.query(`drop database if exists ${name} with (force)`); await d.end()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function benchOne (kind) {
  const db = await prepare(kind)
  try {
    let server = await startServerProcess(db.env)
    const targetIds = []
    for (let i = 0; i < TARGETS; i++) targetIds.push((await admin(server, 'POST', '/api/admin/k6/targets', { url: `http://127.0.0.1:9/site-${i}`, label: `Site ${i}` })).id)
    console.log(`[${kind}] ${AGENTS} agents for ${DURATION_S} s …`)
    const load = await runLoad(server, targetIds)
    console.log(`[${kind}] all requests: ${load.all.count} at ${load.all.rps}/s, p50 ${load.all.p50} ms, p99 ${load.all.p99} ms, max ${load.all.max} ms; server CPU ${load.serverCpuPct}%`)
    await stopServerProcess(server)
    console.log(`[${kind}] inserting ${RUNS} runs in one transaction …`)
    const t0 = Date.now()
    const now = kind === 'sqlite'
      ? bulkInsertSqlite(join(db.dataDir, 'loadfleet.db'), RUNS, targetIds)
      : await bulkInsertPostgres(db.url, RUNS, targetIds)
    const insertS = Math.round((Date.now() - t0) / 100) / 10
    console.log(`[${kind}] inserted in ${insertS} s`)
    server = await startServerProcess(db.env)
    const list = await measureRunsList(server.url, targetIds, cursorAfterRow(Math.floor(RUNS / 2), RUNS, now),
      `bulk-${String(Math.floor(RUNS / 3)).padStart(8, '0')}`)
    for (const [name, s] of Object.entries(list)) console.log(`[${kind}] ${name}: p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms (${s.count} requests)`)
    await stopServerProcess(server)
    return { load, runsList: { storedRuns: RUNS, bulkInsertS: insertS, pages: list } }
  } finally {
    await db.drop()
  }
}

function machine () {
  const pgVersion = (() => { try { return execFileSync('psql', ['-At', PG_URL, '-c', 'show server_version'], { encoding: 'utf8' }).trim() } catch { return 'unknown' } })()
  const sqliteVersion = new SQLite(':memory:').prepare('select sqlite_version() as v').get().v
  return { cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, postgres: pgVersion, sqlite: sqliteVersion, note: 'shared machine: other work ran at the same time' }
}

const results = {
  date: new Date().toISOString(),
  machine: machine(),
  settings: {
    agents: AGENTS, durationS: DURATION_S, pollEveryS: 5, heartbeatEveryS: 30, resultEveryS: 60, storedRuns: RUNS,
  },
  databases: {},
}
try {
  for (const kind of KINDS) results.databases[kind] = await benchOne(kind)
} catch (err) {
  console.error(err)
  process.exit(1)
}
const outDir = new URL('../results/', here)
writeFileSync(new URL('control-plane.json', outDir), JSON.stringify(results, null, 2) + '\n')
const { renderReport } = await import('./report.js')
writeFileSync(new URL('control-plane.md', outDir), renderReport(results))
console.log('wrote bench/results/control-plane.md and .json')
