import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

const FAST = { POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500' }

let dataDir: string
let target: Server
let targetUrl: string
let server: RunningServer | undefined
let port = 0
let client: ApiClient
const agents: AgentProcess[] = []

async function start (): Promise<RunningServer> {
  server = await startServer({ env: {}, port, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  port = Number(new URL(server.url).port)
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  return server
}

function agent (name: string, env: Record<string, string> = {}): AgentProcess {
  const running = server as RunningServer
  const process = new AgentProcess(name, {
    ...FAST, DASHBOARD_URL: running.url, DASHBOARD_SECRET: running.agentToken, TMP_DIR: join(dataDir, name), ...env,
  })
  agents.push(process)
  return process
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-agent-'))
  // Slow answers (300 ms) keep a VU busy, so a shutdown always interrupts a request in flight.
  target = createServer((_req, res) => { setTimeout(() => res.end('ok'), 300) })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  await start()
}, 300_000)

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')))
  await server?.close()
  target.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('loadfleet agent against a real control plane', () => {
  it('exits 1 with one clear line when the token is rejected, never printing it', async () => {
    const rejected = agent('agent-bad-token', { DASHBOARD_SECRET: 'wrong-token-123456' })
    expect(await waitFor('the agent to exit', () => (rejected.exited ? true : undefined), 15_000)).toBe(true)
    expect(rejected.child.exitCode).toBe(1)
    expect(rejected.stray).toEqual([expect.stringMatching(/^loadfleet agent: .*DASHBOARD_SECRET.*401/)])
    const everything = JSON.stringify(rejected.events) + rejected.stray.join('\n')
    expect(everything).not.toContain('wrong-token-123456')
  })

  it('refuses a bad setting with a line naming it and exit code 104', async () => {
    const bad = agent('agent-bad-env', { POLL_INTERVAL_MS: 'soon' })
    await waitFor('the agent to exit', () => (bad.exited ? true : undefined), 15_000)
    expect(bad.child.exitCode).toBe(104)
    expect(bad.stray.join('\n')).toMatch(/POLL_INTERVAL_MS="soon": expected an integer/)
  })

  it('on SIGTERM aborts the running test within 5 s, reports it as aborted, leaves (offline at once) and exits 0', async () => {
    const t = await client.createTarget({ url: targetUrl, label: 'long', vus: 2, durationS: 60, runIntervalMs: 3_600_000 })
    const worker = agent('agent-sigterm')
    const runId = await waitFor('a run to start', () => worker.startedRunIds()[0], 20_000)
    await waitFor('the run to be known to the server', async () =>
      (await client.listRuns({ status: 'running' })).data.some((r) => r.id === runId) ? true : undefined, 10_000)
    const askedAt = Date.now()
    expect(await worker.stop('SIGTERM')).toBe(0)
    expect(Date.now() - askedAt).toBeLessThan(6000)
    const run = await client.getRun(runId)
    expect(run).toMatchObject({ status: 'aborted', errorMessage: 'agent shutting down' })
    // Offline at once, without waiting for the reaper (3 missed heartbeats, or 5 min).
    const left = (await client.dashboardAgents()).data.find((a) => a.name === 'agent-sigterm')
    expect(left).toMatchObject({ status: 'offline', currentRunId: null })
    expect(Date.now() - askedAt).toBeLessThan(8000)
    // An aborted run is no figure of the site: not a chart point, not the site's verdict.
    expect((await client.targetSeries(t.id)).data.map((p) => p.runId)).not.toContain(runId)
    const listed = (await client.dashboardTargets()).data.find((x) => x.id === t.id)
    expect(listed?.stats.lastVerdict).toBeNull()
    expect(listed?.stats.lastStatus).toBe('aborted')
    await client.deleteTarget(t.id)
  })

  it('keeps spooled results across a crash and delivers them after a restart', async () => {
    const t = await client.createTarget({ url: targetUrl, label: 'spool', vus: 1, durationS: 1, runIntervalMs: 1000 })
    const name = 'agent-spool'
    const first = agent(name)
    await waitFor('the agent to see the target', () => (first.startedRunIds().length > 0 ? true : undefined), 20_000)
    await server?.close()
    server = undefined
    // With the control plane gone, two more runs finish and wait in the spool; then the agent is killed.
    const before = first.startedRunIds().length
    await waitFor('two runs finished during the outage', () =>
      first.events.filter((e) => e.event === 'run_finished').length >= before + 2 ? true : undefined, 20_000)
    await first.stop('SIGKILL')
    const started = first.startedRunIds()
    expect((await readdir(join(dataDir, name, `loadfleet-spool-${name}`))).length).toBeGreaterThanOrEqual(2)

    await start()
    await client.updateTarget(t.id, { enabled: false }) // only the spooled results from now on
    const second = agent(name)
    const runs = await waitFor('every run of the killed agent on the server, finished', async () => {
      const runs = (await client.listRuns({ targetId: t.id, limit: 200 })).data
      const byId = new Map(runs.map((r) => [r.id, r]))
      return started.every((id) => byId.get(id) !== undefined && byId.get(id)?.status !== 'running') ? runs : undefined
    }, 30_000)
    expect(second.events.some((e) => e.event === 'spool_recovered')).toBe(true)
    expect(runs.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(2)
    expect(runs.every((r) => started.includes(r.id))).toBe(true)
    expect(await second.stop('SIGTERM')).toBe(0)
  })
})
