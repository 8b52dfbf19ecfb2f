import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

const HEARTBEAT_MS = 1000
const REAPER_MS = 200

let dataDir: string
let target: Server
let targetUrl: string
let server: RunningServer
let client: ApiClient
const agents: AgentProcess[] = []

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-lost-'))
  target = createServer((_req, res) => { setTimeout(() => res.end('ok'), 100) })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  // The 5-minute backstop keeps its default: only the heartbeat rule can end these runs within the test.
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent', reaper: { intervalMs: REAPER_MS } })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
}, 300_000)

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')))
  await server.close()
  target.close()
  await rm(dataDir, { recursive: true, force: true })
})

function agent (name: string): AgentProcess {
  const process = new AgentProcess(name, {
    POLL_INTERVAL_MS: '200', HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dataDir, name),
  })
  agents.push(process)
  return process
}

async function runningOnServer (runId: string): Promise<void> {
  await waitFor(`run ${runId} running on the server`, async () =>
    (await client.listRuns({ status: 'running' })).data.some((r) => r.id === runId) ? true : undefined, 15_000)
}

describe('a crashed agent\'s run', () => {
  it('ends as error ("agent lost") after 3 missed heartbeats, while a live agent\'s run keeps running', async () => {
    const t = await client.createTarget({ url: targetUrl, label: 'long', vus: 1, durationS: 60, runIntervalMs: 3_600_000 })
    const doomed = agent('agent-killed')
    const survivor = agent('agent-alive')
    const doomedRun = await waitFor('a run on the doomed agent', () => doomed.startedRunIds()[0], 20_000)
    const aliveRun = await waitFor('a run on the surviving agent', () => survivor.startedRunIds()[0], 20_000)
    await runningOnServer(doomedRun)
    await runningOnServer(aliveRun)

    expect(await doomed.stop('SIGKILL')).toBe('SIGKILL')
    const killedAt = Date.now()
    const lost = await waitFor('the killed agent\'s run to end', async () => {
      const run = await client.getRun(doomedRun)
      return run.status === 'running' ? undefined : run
    }, 20_000)
    const elapsedMs = Date.now() - killedAt
    console.log(`agent-lost: run ended ${elapsedMs} ms after SIGKILL (heartbeat ${HEARTBEAT_MS} ms, reaper every ${REAPER_MS} ms)`)
    expect(lost.status).toBe('error')
    expect(lost.errorMessage).toMatch(/^agent lost/)
    // Three heartbeat periods since the last one (sent at most one period before the kill), plus one reaper period.
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * HEARTBEAT_MS - 50)
    expect(elapsedMs).toBeLessThan(3 * HEARTBEAT_MS + REAPER_MS + 1500)

    const fleet = (await client.dashboardAgents()).data
    expect(fleet.find((a) => a.name === 'agent-killed')).toMatchObject({ status: 'offline', currentRunId: null })
    expect(fleet.find((a) => a.name === 'agent-alive')).toMatchObject({ currentRunId: aliveRun })
    expect((await client.getRun(aliveRun)).status).toBe('running')
    await client.updateTarget(t.id, { enabled: false })
  })
})
