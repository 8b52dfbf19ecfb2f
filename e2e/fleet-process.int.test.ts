import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { alive, buildRepo, waitFor } from './helpers/repo.js'

let dataDir: string
let server: RunningServer | undefined
let client: ApiClient

/** The pids an agent logged at each start, from the log file the process scaler keeps for it. */
function startsOf (name: string): number[] {
  const file = join(dataDir, 'agents', name, 'agent.log')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('"agent_starting"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid)
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-process-'))
  server = await startServer({
    env: { DATA_DIR: dataDir, POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500', FLEET_RECONCILE_INTERVAL_MS: '500' },
    port: 0, dataDir, fleetScaler: 'process', logLevel: 'silent',
  })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
}, 300_000)

afterAll(async () => {
  await server?.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('FLEET_SCALER=process: real agent child processes against a real control plane', () => {
  it('starts k6agent-0 and k6agent-1 within 5 s of the desired count becoming 2, and they register', async () => {
    const changedAt = Date.now()
    await client.putConfig({ k6DesiredAgentCount: 2 })
    await waitFor('2 agent processes', async () => ((await client.fleetStatus()).running === 2 ? true : undefined), 5000)
    expect(Date.now() - changedAt).toBeLessThan(5000)
    const names = await waitFor('both agents to register', async () => {
      const online = (await client.dashboardAgents()).data.filter((a) => a.status !== 'offline').map((a) => a.name).sort()
      return online.length === 2 ? online : undefined
    }, 20_000)
    expect(names).toEqual(['k6agent-0', 'k6agent-1'])
    expect(await client.fleetStatus()).toMatchObject({ scaler: 'process', desired: 2, running: 2, lastError: null })
    expect(existsSync(join(dataDir, 'agents', 'k6agent-1'))).toBe(true) // each agent's TMP_DIR
  })

  it('scales down from the highest number with SIGTERM, and the agent stops cleanly', async () => {
    const [pid] = startsOf('k6agent-1')
    await client.putConfig({ k6DesiredAgentCount: 1 })
    await waitFor('1 agent process', async () => ((await client.fleetStatus()).running === 1 ? true : undefined), 5000)
    await waitFor('k6agent-1 to exit', () => (pid !== undefined && !alive(pid) ? true : undefined), 15_000)
    const log = readFileSync(join(dataDir, 'agents', 'k6agent-1', 'agent.log'), 'utf8')
    expect(log).toContain('"event":"agent_stopped","reason":"SIGTERM","exitCode":0')
    expect(log).not.toContain(server?.agentToken ?? '<token>')
    expect(startsOf('k6agent-0')).toHaveLength(1)
  })

  it('restarts a crashed agent under the same name', async () => {
    const [first] = startsOf('k6agent-0')
    expect(first).toBeDefined()
    process.kill(first as number, 'SIGKILL')
    const restarted = await waitFor('k6agent-0 to start again', () => {
      const pids = startsOf('k6agent-0')
      return pids.length === 2 ? pids[1] : undefined
    }, 15_000)
    expect(restarted).not.toBe(first)
    expect(alive(restarted)).toBe(true)
    expect((await client.reconcileFleet()).running).toBe(1)
  })

  it('terminates every agent when the control plane closes', async () => {
    const pids = ['k6agent-0', 'k6agent-1'].flatMap(startsOf)
    await server?.close()
    server = undefined
    expect(pids.filter(alive)).toEqual([])
  })
})
