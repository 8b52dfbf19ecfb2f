// Agent footprint benchmark (not a test): RSS of an idle agent and of an agent running a 10-VU test against a
// local target, for the `loadfleet agent` command and for the agent's lean entry point (packages/agent/dist/main.js,
// used by the container image).
// Build first (`npm run build`). Env: BENCH_IDLE_SECONDS (default 10), BENCH_RUN_SECONDS (default 15).
// Writes bench/results/agent.{md,json}.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiClient } from '@loadfleet/api'
import { startServer } from '@loadfleet/server'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')
const RESULTS = join(ROOT, 'bench', 'results')
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10)
const RUN_SECONDS = Number(process.env.BENCH_RUN_SECONDS ?? 15)
const GOALS = { idleMb: 60, runMb: 100 }
const VARIANTS = {
  cli: ['packages/cli/bin/loadfleet.js', 'agent'],
  lean: ['packages/agent/dist/main.js'],
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const mb = (kb) => Math.round(kb / 102.4) / 10

/** VmRSS of a process in kB, from /proc (Linux). */
function rssKb (pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
}

/** Samples RSS every 100 ms while `until()` is false; returns median and peak in MB. */
async function sample (pid, until, maxMs) {
  const values = []
  const deadline = Date.now() + maxMs
  while (!(await until()) && Date.now() < deadline) {
    values.push(rssKb(pid))
    await sleep(100)
  }
  values.sort((a, b) => a - b)
  const median = values[Math.floor(values.length / 2)] ?? NaN
  return { medianMb: mb(median), peakMb: mb(values.at(-1) ?? NaN), samples: values.length }
}

async function measure (variant, server, client, targetUrl, dataDir) {
  const name = `bench-${variant}`
  const child = spawn(process.execPath, VARIANTS[variant], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH, DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, AGENT_NAME: name,
      TMP_DIR: join(dataDir, name), POLL_INTERVAL_MS: '1000', HEARTBEAT_INTERVAL_MS: '5000',
    },
  })
  try {
    for (let i = 0; i < 100; i++) {
      if ((await client.dashboardAgents()).data.some((a) => a.name === name)) break
      await sleep(100)
    }
    await sleep(2000) // let start-up garbage be collected
    const idleEnd = Date.now() + IDLE_SECONDS * 1000
    const idle = await sample(child.pid, () => Date.now() > idleEnd, IDLE_SECONDS * 1000 + 1000)
    const target = await client.createTarget({
      url: targetUrl, label: name, vus: 10, durationS: RUN_SECONDS, runIntervalMs: 3_600_000,
    })
    const finished = async () => {
      const runs = (await client.listRuns({ targetId: target.id, limit: 5 })).data
      return runs.some((r) => r.agentName === name && r.status !== 'running')
    }
    const run = await sample(child.pid, finished, (RUN_SECONDS + 30) * 1000)
    const [result] = (await client.listRuns({ targetId: target.id, limit: 5 })).data
    await client.deleteTarget(target.id)
    return { variant, idle, run, runStatus: result?.status ?? null, runMetrics: result?.metrics ?? null }
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
}

function machine () {
  const cpuinfo = (() => { try { return readFileSync('/proc/cpuinfo', 'utf8') } catch { return '' } })()
  return {
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100),
  }
}

function markdown (report) {
  const m = report.machine
  const lines = [
    '# Agent footprint', '',
    `Measured ${report.at} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node};`,
    `load average at start ${m.loadavg.join(' / ')} (the machine was shared with other work).`,
    `RSS from /proc/<pid>/status every 100 ms: idle for ${IDLE_SECONDS} s after registering, then during one`,
    `10-VU, ${RUN_SECONDS} s run (1 s think time per iteration) against a local HTTP target. Goals: idle ≤ ${GOALS.idleMb} MB, run ≤ ${GOALS.runMb} MB.`, '',
    '| how the agent is started | idle median MB | idle peak MB | run median MB | run peak MB | run status | run rps |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
  ]
  for (const r of report.results) {
    const how = r.variant === 'cli' ? '`loadfleet agent` (the CLI)' : '`node packages/agent/dist/main.js` (lean entry, container image)'
    lines.push(`| ${how} | ${r.idle.medianMb} | ${r.idle.peakMb} | ${r.run.medianMb} | ${r.run.peakMb} | ${r.runStatus} | ${r.runMetrics?.rps?.toFixed(1) ?? '-'} |`)
  }
  lines.push('', `Bare \`node\` on this machine: ${report.bareNodeMb} MB.`, '')
  return lines.join('\n')
}

const dataDir = mkdtempSync(join(os.tmpdir(), 'lf-bench-agent-'))
const target = createServer((_req, res) => res.end('ok'))
await once(target.listen(0, '127.0.0.1'), 'listening')
const targetUrl = `http://127.0.0.1:${target.address().port}/`
const server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'warn' })
const client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
try {
  const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'])
  await sleep(1500)
  const bareNodeMb = mb(rssKb(bare.pid))
  bare.kill()
  const report = { at: new Date().toISOString(), machine: machine(), goals: GOALS, bareNodeMb, results: [] }
  for (const variant of Object.keys(VARIANTS)) {
    const result = await measure(variant, server, client, targetUrl, dataDir)
    report.results.push(result)
    console.log(`${variant}: idle median ${result.idle.medianMb} MB (peak ${result.idle.peakMb}), ` +
      `10-VU run median ${result.run.medianMb} MB (peak ${result.run.peakMb}), run ${result.runStatus}`)
  }
  writeFileSync(join(RESULTS, 'agent.json'), JSON.stringify(report, null, 2) + '\n')
  writeFileSync(join(RESULTS, 'agent.md'), markdown(report))
  console.log(markdown(report))
} finally {
  await server.close()
  target.close()
  rmSync(dataDir, { recursive: true, force: true })
}
