import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

describe.each(['sqlite', 'postgres'] as const)('listening server on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer(serverOptionsFor(db))
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('runs the whole agent cycle over real HTTP', async () => {
    expect(server.database).toBe(kind)
    const target = await api.createTarget({ url: 'http://127.0.0.1:9/x', label: 'Ünïcode ✓' })
    expect(target).toMatchObject({ vus: 1, durationS: 30, runIntervalMs: 60_000, enabled: true, label: 'Ünïcode ✓' })
    const agent = await api.registerAgent({ name: 'k6agent-0', version: '1.0.0' })
    expect(agent.status).toBe('online')
    const before = await api.agentTargets('k6agent-0')
    expect(before.data).toEqual([{ ...target, lastStartedAt: null, effectiveThresholds: { http_req_failed: ['rate<0.05'] } }])
    const run = await api.startRun('k6agent-0', { id: 'run-00000001', targetId: target.id })
    expect(run.status).toBe('running')
    const after = await api.agentTargets('k6agent-0')
    expect(after.data[0]?.lastStartedAt).toBe(run.startedAt)
    const metrics = {
      p50_ms: 1, p95_ms: 2, p99_ms: 3, avg_ms: 1.5, error_rate: 0.01, rps: 10, data_received_bytes: 100, iterations: 7,
    }
    const finished = await api.finishRun('k6agent-0', run.id, { status: 'passed', metrics, summary: { a: 1 } })
    expect(finished).toMatchObject({ status: 'passed', metrics, targetLabel: 'Ünïcode ✓' })
    const page = await api.listRuns()
    expect(page.data.map((r) => r.id)).toEqual([run.id])
    const detail = await api.getRun(run.id)
    expect(detail.summary).toEqual({ a: 1 })
    const targets = await api.dashboardTargets()
    expect(targets.data[0]?.stats).toMatchObject({ p95Ms: 2, errorRate: 0.01, lastStatus: 'passed', p95TrendMs: [2] })
    const agents = await api.dashboardAgents()
    expect(agents.data[0]).toMatchObject({ name: 'k6agent-0', status: 'online', currentRunId: null })
    expect(agents.fleet.scaler).toBe('none')
  })
})
