// Simulated agent fleet (a separate process from the server): every agent polls, heartbeats and reports runs
// on its own schedule, open-model (requests leave on schedule whatever the latency), and every latency is kept.
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const [url, token, agentsText, durationText, targetIdsText] = process.argv.slice(2)
const AGENTS = Number(agentsText)
const DURATION_MS = Number(durationText) * 1000
const TARGET_IDS = targetIdsText.split(',')
const POLL_MS = 5_000
const HEARTBEAT_MS = 30_000
const RESULT_MS = 60_000
// Finishing a moment after starting keeps a realistic number of runs in "running".
const RUN_LENGTH_MS = 1_000

const base = new URL(url)
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
const latencies = { poll: [], heartbeat: [], start: [], finish: [], register: [] }
const failures = { poll: 0, heartbeat: 0, start: 0, finish: 0, register: 0 }
let inFlight = 0
// Each agent's own credential, issued at registration; the enrolment token only registers.
const credentials = new Map()

function call (kind, method, path, body, bearer = token) {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  const started = process.hrtime.bigint()
  inFlight++
  return new Promise((resolve) => {
    const req = http.request({
      host: base.hostname, port: base.port, method, path, agent,
      headers: { authorization: `Bearer ${bearer}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { if (kind === 'register') text += chunk })
      res.on('end', () => {
        inFlight--
        latencies[kind].push(Number(process.hrtime.bigint() - started) / 1e6)
        if (res.statusCode >= 300) failures[kind]++
        resolve({ status: res.statusCode, text })
      })
    })
    req.on('error', () => { inFlight--; failures[kind]++; resolve({ status: 0, text: '' }) })
    req.end(payload)
  })
}

const names = Array.from({ length: AGENTS }, (_, i) => `bench-agent-${i}`)
for (let i = 0; i < names.length; i += 100) {
  await Promise.all(names.slice(i, i + 100).map(async (name) => {
    const { status, text } = await call('register', 'POST', '/api/k6/agents/register', { name, version: 'bench' })
    if (status !== 200) throw new Error(`registering ${name} answered ${status}: ${text}`)
    credentials.set(name, JSON.parse(text).credential)
  }))
}

const timers = []
const startedAt = Date.now()
// The generator's own health: if its event loop lags or it runs out of CPU, its latencies include that.
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
const cpuBefore = process.cpuUsage()
names.forEach((name, i) => {
  const every = (periodMs, fn) => {
    // A random phase spreads the fleet evenly instead of 1,000 agents firing in the same millisecond.
    const first = setTimeout(() => { fn(); timers.push(setInterval(fn, periodMs)) }, Math.random() * periodMs)
    timers.push(first)
  }
  const path = `/api/k6/agents/${name}`
  const own = credentials.get(name)
  every(POLL_MS, () => { void call('poll', 'GET', `${path}/targets`, undefined, own) })
  every(HEARTBEAT_MS, () => { void call('heartbeat', 'POST', `${path}/heartbeat`, { status: 'online', currentRunId: null }, own) })
  every(RESULT_MS, () => {
    const id = randomUUID()
    const targetId = TARGET_IDS[i % TARGET_IDS.length]
    inFlight++ // the whole start → run → finish chain, so the drain below waits for every finish
    void call('start', 'POST', `${path}/runs`, { id, targetId }, own).then(() => new Promise((resolve) => setTimeout(resolve, RUN_LENGTH_MS)))
      .then(() => call('finish', 'POST', `${path}/runs/${id}/finish`, {
        status: 'passed',
        metrics: {
          p50_ms: 10, p95_ms: 20 + Math.random() * 5, p99_ms: 40, avg_ms: 12, error_rate: 0.001, rps: 50,
          data_received_bytes: 1_000_000, iterations: 1500,
        },
        summary: { metrics: { http_reqs: { type: 'counter', values: { count: 1500, rate: 50 } } }, root_group: { checks: [] } },
      }, own)).finally(() => { inFlight-- })
  })
})

await new Promise((resolve) => setTimeout(resolve, DURATION_MS))
for (const t of timers) { clearTimeout(t); clearInterval(t) }
const drainDeadline = Date.now() + 10_000
while (inFlight > 0 && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 50))
const elapsedS = (Date.now() - startedAt) / 1000
loopDelay.disable()
const cpu = process.cpuUsage(cpuBefore)
const client = {
  cpuPct: Math.round((cpu.user + cpu.system) / 1e3 / (elapsedS * 1000) * 100),
  eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
}
agent.destroy()
process.stdout.write(JSON.stringify({ elapsedS, latencies, failures, client }) + '\n')
