import { once } from 'node:events'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Run } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { fullableDir, type FullableDir } from '../packages/agent/test/helpers/full-disk.js'
import { launchBrowser } from '../packages/web/test/helpers/browser.js'
import { AgentProcess } from './helpers/agent-process.js'
import { alive, buildRepo, waitFor } from './helpers/repo.js'

const NAME = 'agent-full-disk'
// Room for the spool and its probe, small enough to fill at once.
const DISK_BYTES = 16 * 1024 * 1024
// Several polls (300 ms) and heartbeats (500 ms) with a due target: long enough for a wrong start to show.
const WATCH_MS = 3000
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url))
const SPOOL_FULL = /^spool directory full: ENOSPC writing .*loadfleet-spool-agent-full-disk$/

let disk: FullableDir
let dataDir: string
let target: Server
let server: RunningServer
let client: ApiClient
let agent: AgentProcess
let targetId = ''

async function runsOnServer (): Promise<Run[]> {
  return (await client.listRuns({ targetId, limit: 200 })).data
}

async function listed (): Promise<{ status: string, degradedReason: string | null } | undefined> {
  return (await client.dashboardAgents()).data.find((a) => a.name === NAME)
}

async function degradedGauge (): Promise<number> {
  const text = await (await fetch(`${server.url}/api/metrics`)).text()
  return Number(text.split('\n').find((l) => l.startsWith('loadfleet_agents_degraded '))?.split(' ')[1])
}

/** Every file of the agent's spool directory that a failed write or probe could have left behind. */
async function leftovers (): Promise<string[]> {
  const files = await readdir(join(disk.dir, `loadfleet-spool-${NAME}`)).catch(() => [])
  return files.filter((f) => f.includes('.tmp-') || f.startsWith('.probe-'))
}

/** The fleet page in a real browser: the agent's row shows a Degraded badge whose title gives the reason. */
async function badgeTitleOnFleetPage (): Promise<string | null> {
  const browser = await launchBrowser()
  try {
    await browser.page.goto(`${server.url}/agents/k6`)
    const badge = browser.page.getByRole('row', { name: new RegExp(NAME) }).getByText('Degraded', { exact: true })
    await badge.waitFor({ timeout: 20_000 })
    await browser.page.screenshot({ path: `${SCREENSHOTS}fleet-degraded.png`, fullPage: true })
    return await badge.getAttribute('title')
  } finally {
    await browser.close()
  }
}

const events = (name: string): number => agent.events.filter((e) => e.event === name).length
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  buildRepo()
  await mkdir(SCREENSHOTS, { recursive: true })
  disk = await fullableDir(DISK_BYTES)
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-full-disk-'))
  target = createServer((_req, res) => { res.end('ok') })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  targetId = (await client.createTarget({ url, label: 'full disk', vus: 1, durationS: 1, runIntervalMs: 1000 })).id
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  await server?.close()
  target?.close()
  await disk?.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('an agent whose TMP_DIR fills up', () => {
  it('starts degraded on a full disk, reports no run, stays alive, and recovers when space returns', async () => {
    await disk.fill()
    const startedAt = Date.now()
    agent = new AgentProcess(NAME, {
      DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, TMP_DIR: disk.dir,
      POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500', ...disk.childEnv,
    })
    const reason = await waitFor('the agent shown degraded', async () => (await listed())?.degradedReason ?? undefined,
      20_000)
    console.log(`TMP_DIR on ${disk.mode === 'tmpfs' ? 'a real tmpfs, filled' : 'injected ENOSPC'}; reported degraded ` +
      `${Date.now() - startedAt} ms after the agent started: ${reason}`)
    expect(reason).toMatch(SPOOL_FULL)
    expect((await listed())?.status).toBe('online')
    expect(await degradedGauge()).toBe(1)
    expect(await badgeTitleOnFleetPage()).toBe(`Degraded, starts no run: ${reason}`)
    await sleep(WATCH_MS)
    expect(await runsOnServer()).toEqual([]) // no start for a run it could not record
    expect(agent.startedRunIds()).toEqual([])
    expect(agent.exited).toBe(false)
    expect(alive(agent.child.pid ?? 0)).toBe(true)
    expect(agent.stray).toEqual([]) // no crash output
    expect(events('agent_degraded')).toBe(1) // one line on entering, not one per tick
    expect(agent.events.find((e) => e.event === 'agent_degraded')?.reason).toBe(reason)
    expect(await leftovers()).toEqual([])

    await disk.free()
    const freedAt = Date.now()
    await waitFor('the degraded state cleared', async () => ((await listed())?.degradedReason === null ? true : undefined),
      20_000)
    console.log(`space freed: degraded cleared on the server after ${Date.now() - freedAt} ms`)
    const passed = await waitFor('two runs delivered after recovery', async () => {
      const runs = (await runsOnServer()).filter((r) => r.status === 'passed')
      return runs.length >= 2 ? runs : undefined
    }, 30_000)
    expect(passed.every((r) => r.agentName === NAME)).toBe(true)
    expect(events('agent_recovered')).toBe(1)
    expect(await degradedGauge()).toBe(0)
  })

  it('filling up while running: takes no new run, still delivers what it recorded, and recovers again', async () => {
    await disk.fill()
    const filledAt = Date.now()
    await waitFor('the agent shown degraded again', async () => ((await listed())?.degradedReason ?? undefined),
      20_000)
    console.log(`filled while running: degraded on the server after ${Date.now() - filledAt} ms`)
    // A run in flight when the disk filled still finishes and is delivered from memory.
    await waitFor('no run left running', async () =>
      (await runsOnServer()).every((r) => r.status !== 'running') ? true : undefined, 20_000)
    const whileFull = (await runsOnServer()).length
    const passedWhileFull = (await runsOnServer()).filter((r) => r.status === 'passed').length
    const startedWhileFull = agent.startedRunIds().length
    await sleep(WATCH_MS)
    expect((await runsOnServer()).length).toBe(whileFull)
    expect(agent.startedRunIds()).toHaveLength(startedWhileFull)
    // Every start the server holds is one the agent ran, and every run the agent started reached the server.
    expect(new Set((await runsOnServer()).map((r) => r.id))).toEqual(new Set(agent.startedRunIds()))
    expect(events('agent_degraded')).toBe(2)
    expect(agent.exited).toBe(false)
    expect(await leftovers()).toEqual([])

    await disk.free()
    await waitFor('a new run delivered after the second recovery', async () =>
      (await runsOnServer()).filter((r) => r.status === 'passed').length > passedWhileFull ? true : undefined, 30_000)
    expect(events('agent_recovered')).toBe(2)
    expect(await agent.stop('SIGTERM')).toBe(0)
    const runs = await runsOnServer()
    expect(new Set(runs.map((r) => r.id))).toEqual(new Set(agent.startedRunIds()))
    expect(runs.every((r) => r.status !== 'running')).toBe(true)
    expect(await leftovers()).toEqual([])
    expect(await readdir(join(disk.dir, `loadfleet-spool-${NAME}`))).toEqual([]) // everything delivered
    expect(agent.stray).toEqual([])
  })
})
