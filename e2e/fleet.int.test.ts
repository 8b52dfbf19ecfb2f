import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Run } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

// Short periods so the whole story (runs, an outage, a killed agent) fits in about a minute.
const REAPER = {
  intervalMs: 300, runStaleMinMs: 3000, runGraceMs: 3000, agentOfflineAfterMs: 3000, agentDeleteAfterMs: 600_000,
}
const AGENT_ENV = { POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500' }

let dataDir: string
let target: Server
let targetUrl: string
let targetRequests = 0
let server: RunningServer | undefined
let port = 0
let client: ApiClient
const agents: AgentProcess[] = []

async function start (): Promise<RunningServer> {
  server = await startServer({ env: { DATA_DIR: dataDir }, port, dataDir, fleetScaler: 'none', logLevel: 'silent', reaper: REAPER })
  port = Number(new URL(server.url).port)
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  return server
}

async function allRuns (): Promise<Run[]> {
  const runs: Run[] = []
  let cursor: string | undefined
  for (let page = 0; page < 50; page++) {
    const { data, pagination } = await client.listRuns(cursor === undefined ? { limit: 200 } : { limit: 200, cursor })
    runs.push(...data)
    if (pagination.nextCursor === null) break
    cursor = pagination.nextCursor
  }
  return runs
}

function finishedOnServer (runs: Run[], ids: string[]): boolean {
  const byId = new Map(runs.map((r) => [r.id, r]))
  return ids.every((id) => byId.has(id) && byId.get(id)?.status !== 'running')
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-fleet-'))
  target = createServer((_req, res) => {
    targetRequests++
    res.end('ok')
  })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  const running = await start()
  for (const name of ['e2e-agent-a', 'e2e-agent-b']) {
    agents.push(new AgentProcess(name, {
      ...AGENT_ENV, DASHBOARD_URL: running.url, DASHBOARD_SECRET: running.agentToken, TMP_DIR: join(dataDir, name),
    }))
  }
}, 300_000)

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')))
  await server?.close()
  target.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('a control plane, two agents and a target on 127.0.0.1', () => {
  it('both agents register and produce runs with sane metrics', async () => {
    await client.createTarget({ url: targetUrl, label: 'e2e', vus: 2, durationS: 2, runIntervalMs: 3000 })
    const runs = await waitFor('a passed run from each agent', async () => {
      const passed = (await allRuns()).filter((r) => r.status === 'passed')
      const names = new Set(passed.map((r) => r.agentName))
      return names.has('e2e-agent-a') && names.has('e2e-agent-b') ? passed : undefined
    }, 30_000)
    for (const run of runs) {
      const m = run.metrics
      expect(m).not.toBeNull()
      expect(m?.p95_ms).toBeGreaterThan(0)
      expect(m?.p50_ms).toBeLessThanOrEqual(m?.p95_ms ?? 0)
      expect(m?.p95_ms).toBeLessThanOrEqual(m?.p99_ms ?? 0)
      expect(m?.error_rate).toBe(0)
      expect(m?.rps).toBeGreaterThan(0)
      expect(m?.iterations).toBeGreaterThan(0)
    }
    expect(targetRequests).toBeGreaterThan(0)
    const detail = await client.getRun(runs[0]?.id ?? '')
    expect(detail.summary).toMatchObject({ engine: 'loadfleet', outcome: 'passed' })
    const listed = (await client.dashboardAgents()).data.map((a) => a.name).sort()
    expect(listed).toEqual(['e2e-agent-a', 'e2e-agent-b'])
  })

  it('keeps running while the control plane is down and delivers every result once it is back', async () => {
    await server?.close()
    server = undefined
    const downAt = Date.now()
    // Each agent starts and finishes at least one run while nobody is listening.
    const outageRunIds = await waitFor('a run started and finished by each agent during the outage', () => {
      const ids = agents.map((agent) => agent.events.find((started) => started.event === 'run_started' &&
        Date.parse(started.t) > downAt && agent.events.some((e) => e.event === 'run_finished' && e.runId === started.runId)))
      return ids.every((e) => e !== undefined) ? ids.map((e) => String(e.runId)) : undefined
    }, 30_000)
    expect(agents.every((a) => a.events.some((e) => e.event === 'control_plane_unreachable'))).toBe(true)
    expect(agents.some((a) => a.exited)).toBe(false)
    expect(agents.flatMap((a) => a.events).some((e) => e.event === 'delivery_retry')).toBe(true) // spooled, retried

    await start() // same port, same data directory
    const startedBeforeRestart = agents.flatMap((a) => a.startedRunIds())
    const runs = await waitFor('every run started so far to be finished on the server', async () => {
      const runs = await allRuns()
      return finishedOnServer(runs, startedBeforeRestart) ? runs : undefined
    }, 60_000)
    const ids = runs.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length) // none doubled
    const startedByAgents = new Set(agents.flatMap((a) => a.startedRunIds()))
    expect(ids.filter((id) => !startedByAgents.has(id))).toEqual([]) // none invented
    const duringOutage = runs.filter((r) => outageRunIds.includes(r.id))
    expect(duringOutage).toHaveLength(2)
    for (const run of duringOutage) {
      expect(run.status).toBe('passed')
      expect(run.metrics?.iterations).toBeGreaterThan(0)
    }
  })

  it('marks a SIGKILLed agent offline and its run error (reaper)', async () => {
    const victim = agents[1] as AgentProcess
    const runId = await waitFor('the victim to be running a test the server knows about', async () => {
      const running = (await client.listRuns({ status: 'running', limit: 200 })).data
      return running.find((r) => r.agentName === victim.name)?.id
    }, 30_000)
    await victim.stop('SIGKILL')
    const reaped = await waitFor('the reaper to error the run and mark the agent offline', async () => {
      const run = await client.getRun(runId)
      const agent = (await client.dashboardAgents()).data.find((a) => a.name === victim.name)
      return run.status === 'error' && agent?.status === 'offline' ? run : undefined
    }, 30_000)
    // Whichever reaper rule sees it first: the agent's missed heartbeats, or the run's own silence.
    expect(reaped.errorMessage).toMatch(/agent lost|stopped reporting/)
  })

  it('stops the surviving agent on SIGTERM with exit 0 and loses none of its results', async () => {
    const survivor = agents[0] as AgentProcess
    expect(await survivor.stop('SIGTERM')).toBe(0)
    expect(survivor.events.at(-1)?.event).toBe('agent_stopped')
    const runs = await allRuns()
    expect(finishedOnServer(runs, survivor.startedRunIds())).toBe(true)
    const stray = agents.flatMap((a) => a.stray)
    expect(stray).toEqual([])
  })
})
