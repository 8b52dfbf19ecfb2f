import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

const FULL = 'spool directory full: ENOSPC writing /tmp/loadfleet-spool-deg-agent'

function gauge (text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1])
}

describe.each(['sqlite', 'postgres'] as const)('agents reporting themselves degraded on %s', (kind) => {
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

  const degradedGauge = async (): Promise<number> =>
    gauge(await (await fetch(`${server.url}/api/metrics`)).text(), 'loadfleet_agents_degraded')
  const listed = async (name: string) => (await api.dashboardAgents()).data.find((a) => a.name === name)

  it('stores the reason from heartbeats, shows it in the agents API and counts it on /api/metrics', async () => {
    await api.registerAgent({ name: 'deg-agent' })
    expect(await listed('deg-agent')).toMatchObject({ status: 'online', degradedReason: null })
    expect(await degradedGauge()).toBe(0)

    const answer = await api.heartbeat('deg-agent', { status: 'online', degradedReason: FULL })
    expect(answer.degradedReason).toBe(FULL)
    expect(await listed('deg-agent')).toMatchObject({ status: 'online', degradedReason: FULL })
    expect(await degradedGauge()).toBe(1)
    // A heartbeat that says nothing about it (an older agent) leaves the reason as it was.
    await api.heartbeat('deg-agent', { status: 'busy', currentRunId: null })
    expect((await listed('deg-agent'))?.degradedReason).toBe(FULL)

    await api.heartbeat('deg-agent', { status: 'online', degradedReason: null })
    expect((await listed('deg-agent'))?.degradedReason).toBeNull()
    expect(await degradedGauge()).toBe(0)
  })

  it('forgets the reason when the agent registers again or leaves, and no longer counts it', async () => {
    await api.registerAgent({ name: 'deg-agent-2' })
    await api.heartbeat('deg-agent-2', { status: 'online', degradedReason: FULL })
    await api.registerAgent({ name: 'deg-agent-2' }) // a new process reports its own state
    expect((await listed('deg-agent-2'))?.degradedReason).toBeNull()
    await api.heartbeat('deg-agent-2', { status: 'online', degradedReason: FULL })
    expect(await degradedGauge()).toBe(1)
    await api.leaveAgent('deg-agent-2', { reason: 'SIGTERM' })
    expect(await listed('deg-agent-2')).toMatchObject({ status: 'offline', degradedReason: null })
    expect(await degradedGauge()).toBe(0)
  })

  it.each([
    ['too long', 'x'.repeat(501)],
    ['with a NUL character', 'full\u0000'],
    ['not a string', 42],
  ])('refuses a reason %s with 400 naming the field', async (_what, degradedReason) => {
    const { credential } = await api.registerAgent({ name: 'deg-agent-3' })
    const res = await fetch(`${server.url}/api/k6/agents/deg-agent-3/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: JSON.stringify({ status: 'online', degradedReason }),
    })
    expect(res.status).toBe(400)
    const body = await res.json() as { code: string, details: unknown }
    expect(body.code).toBe('LF_REQUEST_INVALID')
    expect(JSON.stringify(body.details)).toContain('degradedReason')
  })
})
