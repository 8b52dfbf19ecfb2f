import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Run, type Target } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

let dataDir: string
let server: RunningServer
let client: ApiClient
let agent: AgentProcess | undefined
const targets: Server[] = []

async function localTarget (handler: Parameters<typeof createServer>[1]): Promise<string> {
  const target = createServer(handler)
  targets.push(target)
  await once(target.listen(0, '127.0.0.1'), 'listening')
  return `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
}

/** A port nothing listens on: bound, then released. */
async function closedPortUrl (): Promise<string> {
  const probe = createServer()
  await once(probe.listen(0, '127.0.0.1'), 'listening')
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return `http://127.0.0.1:${port}/`
}

async function firstRun (target: Target): Promise<Run> {
  return await waitFor(`a finished run of ${target.label}`, async () => {
    const page = await client.listRuns({ targetId: target.id })
    return page.data.find((run) => run.status !== 'running')
  }, 60_000)
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-verdicts-'))
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  await server.close()
  for (const target of targets) {
    target.closeAllConnections()
    target.close()
  }
  await rm(dataDir, { recursive: true, force: true })
})

describe('default verdicts with a real agent and real targets', () => {
  it('fails a closed port and a 100 % 500 site with the reason, passes a healthy one, and judges expected statuses and thresholds', async () => {
    const ok = await localTarget((_req, res) => { res.end('ok') })
    const broken = await localTarget((_req, res) => {
      res.statusCode = 500
      res.end('boom')
    })
    const created = await localTarget((_req, res) => { res.end('ok') }) // answers 200 where 201 is expected
    const base = { vus: 2, durationS: 1, runIntervalMs: 3_600_000 }
    const closed = await client.createTarget({ ...base, url: await closedPortUrl(), label: 'closed port' })
    const fiveHundred = await client.createTarget({ ...base, url: broken, label: 'all 500' })
    const healthy = await client.createTarget({ ...base, url: ok, label: 'healthy' })
    const wrongStatus = await client.createTarget({ ...base, url: created, label: 'expects 201', expectedStatuses: [201] })
    const tooSlow = await client.createTarget({
      ...base, url: ok, label: 'strict p95', thresholds: { http_req_duration: ['p(95)<0.001'] },
    })
    agent = new AgentProcess('verdict-agent', {
      DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dataDir, 'agent'),
      POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '1000', MAX_CONCURRENT_RUNS: '1',
    })

    const closedRun = await firstRun(closed)
    expect(closedRun.status).toBe('failed')
    expect(closedRun.failureReason).toMatch(/^no request succeeded: (\d+) of \1 failed \(\1 refused\)/)
    expect(closedRun.metrics).toMatchObject({ p50_ms: null, p95_ms: null, p99_ms: null, avg_ms: null, error_rate: 1 })

    const fiveHundredRun = await firstRun(fiveHundred)
    expect(fiveHundredRun.status).toBe('failed')
    expect(fiveHundredRun.failureReason).toMatch(new RegExp(
      '^no request succeeded: (\\d+) of \\1 failed \\(\\1 × HTTP 500\\); ' +
      'http_req_failed rate<0\\.05 crossed \\(observed rate=100 %\\)$'))
    expect(fiveHundredRun.metrics?.p95_ms).toBeNull()

    const healthyRun = await firstRun(healthy)
    expect(healthyRun).toMatchObject({ status: 'passed', failureReason: null })
    expect(healthyRun.metrics?.p95_ms).toBeGreaterThan(0)
    expect(healthyRun.verdict?.thresholds).toEqual([
      { metric: 'http_req_failed', expression: 'rate<0.05', observed: 0, ok: true, source: 'default' },
    ])

    const wrongStatusRun = await firstRun(wrongStatus)
    expect(wrongStatusRun.status).toBe('failed')
    expect(wrongStatusRun.failureReason).toMatch(/^no request succeeded: \d+ of \d+ failed \(\d+ × HTTP 200\)/)

    const tooSlowRun = await firstRun(tooSlow)
    expect(tooSlowRun.status).toBe('failed')
    expect(tooSlowRun.failureReason)
      .toMatch(/^http_req_duration p\(95\)<0\.001 crossed \(observed p\(95\)=[\d.]+ ms\)$/)
    // The engine judged the same thresholds the control plane did (the agent passed them on).
    const detail = await client.getRun(tooSlowRun.id)
    const engineThresholds = (detail.summary as { thresholds: unknown[] }).thresholds
    expect(engineThresholds).toEqual(expect.arrayContaining([
      expect.objectContaining({ metric: 'http_req_duration', expression: 'p(95)<0.001', ok: false }),
      expect.objectContaining({ metric: 'http_req_failed', expression: 'rate<0.05', ok: true }),
    ]))

    const sites = await client.dashboardTargets()
    const stats = (id: string) => sites.data.find((site) => site.id === id)?.stats
    expect(stats(closed.id)).toMatchObject({ lastVerdict: 'failed', lastFailureReason: closedRun.failureReason, p95Ms: null })
    expect(stats(healthy.id)).toMatchObject({ lastVerdict: 'passed', lastFailureReason: null })
  })
})
