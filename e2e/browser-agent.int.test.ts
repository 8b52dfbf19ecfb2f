import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ROUTES, type BrowserRun } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

// A real control plane, a real `loadfleet agent --kind browser` and the system Chromium against pages on 127.0.0.1.

let dataDir: string
let server: RunningServer
let client: ApiClient
let agent: AgentProcess | undefined
let page: Server
let pageUrl: string

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-browser-'))
  page = createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.statusCode = 204
      res.end()
      return
    }
    res.setHeader('content-type', 'text/html')
    res.end('<!doctype html><title>Shop</title><h1>Shop</h1><script>console.error("tracking failed")</script>')
  })
  await once(page.listen(0, '127.0.0.1'), 'listening')
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  agent = new AgentProcess('browser-agent-1', {
    POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500', DASHBOARD_URL: server.url,
    DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dataDir, 'agent'), MAX_CONCURRENT_RUNS: '2',
  }, ['--kind', 'browser'])
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  await server.close()
  page.close()
  await rm(dataDir, { recursive: true, force: true })
})

const finishedRun = async (siteId: string): Promise<BrowserRun> => waitFor('a finished check', async () =>
  (await client.dashboardBrowserRuns({ siteId })).data.find((r) => r.status !== 'running'), 90_000)

describe('a browser agent with a real control plane', () => {
  it('registers, checks each site in Chromium and reports the figures, the reason and the screenshot', async () => {
    const ok = await client.createBrowserSite({ url: pageUrl, label: 'shop', runIntervalMs: 3_600_000 })
    const broken = await client.createBrowserSite({
      url: pageUrl, label: 'buy', runIntervalMs: 3_600_000, check: { stepTimeout: '1s', steps: [{ click: '#buy' }] },
    })
    const [passed, failed] = await Promise.all([finishedRun(ok.id), finishedRun(broken.id)])
    expect(passed).toMatchObject({ status: 'passed', failureReason: null, hasScreenshot: false, agentName: 'browser-agent-1' })
    expect(passed.lcpMs).toBeGreaterThan(0)
    expect(passed.loadMs).toBeGreaterThan(0)
    const detail = await client.dashboardBrowserRun(passed.id)
    expect(detail.result).toMatchObject({ consoleErrors: ['tracking failed'], httpStatus: 200 })
    expect(failed).toMatchObject({
      status: 'failed', failureReason: 'step 1 (click #buy): selector #buy not found after 1 s', hasScreenshot: true,
    })
    const shot = await fetch(`${server.url}${ROUTES.dashboardBrowserRunScreenshot(failed.id)}`)
    expect(shot.headers.get('content-type')).toBe('image/jpeg')
    expect([...new Uint8Array(await shot.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8])
    const sites = await client.dashboardBrowserSites()
    expect(sites.data.find((s) => s.id === broken.id)?.lastRun).toMatchObject({ id: failed.id, status: 'failed' })
    const agents = await client.dashboardAgents()
    expect(agents.data.find((a) => a.name === 'browser-agent-1')?.status).toMatch(/online|busy/)
  })

  it('stops cleanly on SIGTERM, saying so to the control plane', async () => {
    expect(await agent?.stop('SIGTERM')).toBe(0)
    expect(agent?.events.some((e) => e.event === 'agent_left')).toBe(true)
    expect(agent?.stray).toEqual([])
  })
})
