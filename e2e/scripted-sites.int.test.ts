import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ApiError } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

let dataDir: string
let server: RunningServer
let client: ApiClient
let agent: AgentProcess | undefined
let target: Server
let targetUrl: string
const paths: string[] = []

/** A shop-like k6 script: 10 iterations, each a GET to the target in a group, two checks and a custom counter. */
function shopScript (url: string): string {
  return `import http from 'k6/http'
import { check, group } from 'k6'
import { Counter } from 'k6/metrics'

const orders = new Counter('orders_placed')

export const options = {
  vus: 2,
  iterations: 10,
  thresholds: { checks: ['rate>0.4'], orders_placed: ['count>=20'] },
}

export default function () {
  group('shop', () => {
    const res = http.get('${url}shop')
    check(res, {
      'status is 200': (r) => r.status === 200,
      'body says sold out': (r) => r.body === 'sold out',
    })
    orders.add(2)
  })
}
`
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-scripts-'))
  target = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.end('in stock')
  })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  agent = new AgentProcess('agent-scripts', {
    POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500', DASHBOARD_URL: server.url,
    DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dataDir, 'agent'), AGENT_MAX_VUS: '5',
  })
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  await server.close()
  target.close()
  await rm(dataDir, { recursive: true, force: true })
})

const finishedRun = async (targetId: string) => waitFor('a finished run', async () =>
  (await client.listRuns({ targetId })).data.find((r) => r.status !== 'running'), 60_000)

describe('scripted sites through a real agent', () => {
  it("runs the site's script: its checks, groups, custom metric and thresholds reach the run and the k6 export", async () => {
    const t = await client.createTarget({ url: targetUrl, label: 'shop', runIntervalMs: 3_600_000, script: shopScript(targetUrl) })
    expect(t.script).toContain("group('shop'")
    const run = await finishedRun(t.id)
    expect(run.status).toBe('passed')
    expect(paths.filter((p) => p === '/shop')).toHaveLength(10)
    const detail = await client.getRun(run.id)
    const summary = detail.summary as {
      checks: Array<{ name: string, group?: string, passes: number, fails: number }>
      groups: string[]
      metrics: Record<string, { values: Record<string, number> }>
      thresholds: Array<{ metric: string, ok: boolean }>
    }
    expect(summary.checks).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'status is 200', group: '::shop', passes: 10, fails: 0 }),
      expect.objectContaining({ name: 'body says sold out', group: '::shop', passes: 0, fails: 10 }),
    ]))
    expect(summary.groups).toEqual(['::shop'])
    expect(summary.metrics.orders_placed?.values.count).toBe(20)
    expect(summary.thresholds.map((th) => [th.metric, th.ok])).toEqual(expect.arrayContaining([
      ['checks', true], ['orders_placed', true],
    ]))
    expect(detail.verdict?.thresholds).toEqual(expect.arrayContaining([
      expect.objectContaining({ metric: 'orders_placed', expression: 'count>=20', observed: 20, ok: true }),
    ]))
    expect(detail.metrics?.iterations).toBe(10)
    const exported = await client.getRunSummaryExport(run.id) as {
      root_group: { groups: Record<string, { checks: Record<string, { passes: number, fails: number }> }> }
      metrics: Record<string, { count?: number }>
    }
    expect(exported.root_group.groups.shop?.checks['status is 200']).toMatchObject({ passes: 10, fails: 0 })
    expect(exported.metrics.orders_placed?.count).toBe(20)
  }, 90_000)

  it("a threshold the script declares decides the run's verdict, judged by the control plane", async () => {
    const t = await client.createTarget({
      url: targetUrl, label: 'strict', runIntervalMs: 3_600_000,
      script: shopScript(targetUrl).replace("orders_placed: ['count>=20']", "orders_placed: ['count>100']"),
    })
    const run = await finishedRun(t.id)
    expect(run).toMatchObject({ status: 'failed', failureReason: 'orders_placed count>100 crossed (observed count=20)' })
  }, 90_000)

  it('refuses a script that does not compile with 400 naming the line, storing nothing', async () => {
    const before = (await client.listTargets()).data.length
    const err = await client.createTarget({
      url: targetUrl, script: "import http from 'k6/http'\nexport default function () {\n  http.get(\n}\n",
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(400)
    expect((err as ApiError).details).toEqual({
      issues: [{ path: 'body.script', line: 4, message: expect.stringMatching(/^line 4: /) as unknown }],
    })
    expect((await client.listTargets()).data).toHaveLength(before)
  })

  it("ends as an error naming the line when the script throws in init, or asks for more than the agent's limits", async () => {
    const throwing = await client.createTarget({
      url: targetUrl, label: 'throws', runIntervalMs: 3_600_000,
      script: "import http from 'k6/http'\nconst config = JSON.parse('not json')\nexport default function () { http.get(config.url) }\n",
    })
    expect(await finishedRun(throwing.id)).toMatchObject({
      status: 'error', errorMessage: expect.stringMatching(/^the site's script cannot run: line 2: exception in the init code/) as unknown,
    })
    const greedy = await client.createTarget({
      url: targetUrl, label: 'greedy', runIntervalMs: 3_600_000,
      script: `import http from 'k6/http'\nexport const options = { vus: 6, duration: '1s' }\nexport default function () { http.get('${targetUrl}') }\n`,
    })
    expect(await finishedRun(greedy.id)).toMatchObject({
      status: 'error', errorMessage: expect.stringMatching(/up to 6 VUs, over this agent's AGENT_MAX_VUS of 5/) as unknown,
    })
  }, 90_000)
})
