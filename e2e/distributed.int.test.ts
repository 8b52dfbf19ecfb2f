import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type DistributedRun } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

/**
 * One test split over three real agent processes by a real control plane (SQLite and PostgreSQL), against a target
 * on 127.0.0.1 that counts every request: one merged result and one verdict; a killed agent's part named.
 */
const HEARTBEAT_MS = 1000

let target: Server
let targetUrl = ''
let requests = 0

beforeAll(async () => {
  buildRepo()
  target = createServer((_req, res) => {
    requests++
    setTimeout(() => res.end('ok'), 5)
  })
  target.keepAliveTimeout = 60_000
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
}, 300_000)
afterAll(() => { target.close() })

describe.each(['sqlite', 'postgres'] as const)('distributed runs on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let client: ApiClient
  const agents: AgentProcess[] = []

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer({ ...serverOptionsFor(db), fleetScaler: 'none' })
    // Generous: on a crowded host the control plane's first submit also loads the engine to read the test's length.
    client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, timeoutMs: 60_000 })
    for (const n of [1, 2, 3]) {
      const name = `${kind}-agent-${n}`
      agents.push(new AgentProcess(name, {
        POLL_INTERVAL_MS: '200', HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
        DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(db.dataDir, name),
      }))
    }
  }, 120_000)

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop('SIGKILL')))
    await server.close()
    await db.drop()
  })

  async function finished (id: string, timeoutMs: number): Promise<DistributedRun> {
    return await waitFor(`distributed run ${id} to end`, async () => {
      const run = await client.getDistributedRun(id)
      return run.status === 'waiting' || run.status === 'running' ? undefined : run
    }, timeoutMs)
  }

  it('splits a test over 3 agents, starts them together and judges the merged result once', async () => {
    const before = requests
    const source = [
      'options:',
      '  scenarios:',
      '    shared: { executor: shared-iterations, vus: 6, iterations: 90, maxDuration: 60s }',
      '  thresholds:',
      "    http_reqs: ['count>=90']",
      "    http_req_duration: ['p(95)<5000']",
      'requests:',
      `  - url: ${targetUrl}`,
    ].join('\n')
    const created = await client.createDistributedRun({ test: { file: 'split.yaml', source }, agents: 3 })
    expect(created).toMatchObject({ status: 'waiting', agents: 3, sequence: '0,1/3,2/3,1' })
    expect(created.parts.map((p) => p.segment)).toEqual(['0:1/3', '1/3:2/3', '2/3:1'])
    const run = await finished(created.id, 60_000)
    expect(run.failureReason).toBeNull()
    expect(run.status).toBe('passed')
    expect(new Set(run.parts.map((p) => p.agentName)).size).toBe(3)
    expect(run.parts.map((p) => p.status)).toEqual(['reported', 'reported', 'reported'])
    // 6 VUs split 2/2/2, 90 iterations 30/30/30: each part alone would cross count>=90, the whole passes.
    expect(run.parts.map((p) => p.requests)).toEqual([30, 30, 30])
    expect(requests - before).toBe(90)
    const result = run.result as { metrics: Record<string, { values: Record<string, number> }>,
      thresholds: Array<{ ok: boolean }> }
    expect(result.metrics.http_reqs?.values.count).toBe(90)
    expect(result.metrics.iterations?.values.count).toBe(90)
    expect(result.metrics.vus_max?.values.value).toBe(6)
    expect(result.thresholds.map((t) => t.ok)).toEqual([true, true])
    expect(result.metrics.http_req_duration?.values['p(95)']).toBeGreaterThan(0)
    // One common start: every part began at the start time the control plane set (generous: the host is shared).
    const startAt = Date.parse(run.startAt ?? '')
    const skews = run.parts.map((p) => Date.parse(p.startedAt ?? '') - startAt)
    console.log(`distributed (${kind}): parts started ${skews.join(', ')} ms after the common start time; ` +
      `run → all parts started ${Math.max(...skews) + startAt - Date.parse(run.createdAt)} ms`)
    for (const skew of skews) expect(Math.abs(skew)).toBeLessThan(3000)
  }, 90_000)

  it('ends the run as error naming the part whose agent was killed, and keeps the other parts\' results', async () => {
    const source = `options: { vus: 3, duration: 6s }\nsleep: 50ms\nrequests:\n  - url: ${targetUrl}\n`
    const created = await client.createDistributedRun({ test: { file: 'long.yaml', source }, agents: 3 })
    const running = await waitFor('every part accepted and started', async () => {
      const run = await client.getDistributedRun(created.id)
      return run.status === 'running' && Date.now() > Date.parse(run.startAt ?? '') + 1000 ? run : undefined
    }, 30_000)
    const victim = running.parts[1]
    const doomed = agents.find((a) => a.name === victim?.agentName)
    expect(doomed).toBeDefined()
    expect(await doomed?.stop('SIGKILL')).toBe('SIGKILL')
    const run = await finished(created.id, 40_000)
    expect(run.status).toBe('error')
    expect(run.failureReason).toMatch(new RegExp(`^part 2 \\(1/3:2/3\\) on agent ${victim?.agentName ?? ''} was lost: `))
    expect(run.parts[1]?.status).toBe('lost')
    // The survivors finish their segments and their results are kept.
    const kept = await waitFor('the other parts to report', async () => {
      const r = await client.getDistributedRun(created.id)
      return r.parts.filter((p) => p.status === 'reported').length === 2 ? r : undefined
    }, 30_000)
    expect(kept.parts[0]?.requests).toBeGreaterThan(0)
    expect(kept.parts[2]?.requests).toBeGreaterThan(0)
    expect(kept.status).toBe('error')
  }, 90_000)

  it('refuses a test that does not parse, naming the field and the line, and stores nothing', async () => {
    const res = await fetch(`${server.url}/api/admin/k6/distributed-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(server.adminAuth).toString('base64')}` },
      body: JSON.stringify({ test: { file: 'bad.yaml', source: 'options:\n  vus: -1\nrequests: []\n' }, agents: 2 }),
    })
    expect(res.status).toBe(400)
    const body = await res.json() as { code: string, details: { issues: Array<{ path: string }> } }
    expect(body.code).toBe('LF_REQUEST_INVALID')
    expect(body.details.issues[0]?.path).toBe('body.test.source')
    const tooMany = await fetch(`${server.url}/api/admin/k6/distributed-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(server.adminAuth).toString('base64')}` },
      body: JSON.stringify({ test: { file: 'a.yaml', source: 'requests: []' }, agents: 101 }),
    })
    expect(tooMany.status).toBe(400)
    expect(JSON.stringify(await tooMany.json())).toContain('body.agents')
  })
})
