import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ROUTES, type RunDetail } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { adminHeader, agentHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

const json = { 'content-type': 'application/json' }
const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex')
const credentialOf = (header: string): string => header.replace(/^Bearer /, '')
// Forged finishes fired at once at one running run; enough to overlap the real finish's transaction many times.
const FORGERIES = 60

interface Call { method: 'GET' | 'POST', url: string, payload?: Record<string, unknown> }

/** Every agent route but register, for agent `name` (the run is agent a's). */
function agentCalls (name: string, runId: string, targetId: string): Array<[string, Call]> {
  return [
    ['heartbeat', { method: 'POST', url: ROUTES.agentHeartbeat(name), payload: { status: 'online' } }],
    ['poll targets', { method: 'GET', url: ROUTES.agentTargets(name) }],
    ['start a run', { method: 'POST', url: ROUTES.agentRunStart(name), payload: { id: `${runId}-new`, targetId } }],
    ['finish a run', { method: 'POST', url: ROUTES.agentRunFinish(name, runId), payload: { status: 'failed' } }],
    ['leave', { method: 'POST', url: ROUTES.agentLeave(name), payload: {} }],
  ]
}

describe.each(['sqlite', 'postgres'] as const)('per-agent credentials on %s', (kind) => {
  let t: InjectApp
  let targetId: string
  let a: string
  let b: string
  const runId = `cred-run-${kind}-0001`

  const send = (call: Call, authorization?: string) => t.app.inject({
    method: call.method, url: call.url, headers: { ...json, ...(authorization === undefined ? {} : { authorization }) },
    ...(call.payload === undefined ? {} : { payload: call.payload }),
  })

  beforeAll(async () => {
    t = await createInjectApp({ kind })
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: { ...json, authorization: adminHeader }, payload: { url: 'http://127.0.0.1:9/' } })
    targetId = res.json<{ id: string }>().id
    a = await enrolAgent(t.app, 'agent-a')
    b = await enrolAgent(t.app, 'agent-b')
    expect((await send({ method: 'POST', url: ROUTES.agentRunStart('agent-a'), payload: { id: runId, targetId } }, a)).statusCode).toBe(201)
  })
  afterAll(async () => { await t.close() })

  it('issues 256 random bits per registration and stores only their SHA-256', async () => {
    const credential = credentialOf(a)
    expect(credential).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(credential, 'base64url')).toHaveLength(32)
    expect(credential).not.toBe(credentialOf(b))
    const rows = await t.store.db.selectFrom('agents').selectAll().execute()
    expect(rows.find((r) => r.name === 'agent-a')?.credential_hash).toBe(sha256Hex(credential))
    expect(JSON.stringify(rows)).not.toContain(credential)
    // Neither the credential nor its hash leaves through the dashboard.
    const listed = await t.app.inject({ method: 'GET', url: ROUTES.dashboardAgents })
    expect(listed.body).not.toContain(credential)
    expect(listed.body).not.toContain(sha256Hex(credential))
  })

  it.each([
    ['no header', undefined],
    ['a wrong credential', 'Bearer Zm9yZ2VkLWNyZWRlbnRpYWwtb2YtZm9ydHktdGhyZWUtY2g'],
    ['the shared enrolment secret', agentHeader],
    ['the admin credentials', adminHeader],
    ['a credential without scheme', 'CREDENTIAL'],
  ])('refuses %s on every agent route but register with 401, writing nothing', async (_name, header) => {
    for (const [route, call] of agentCalls('agent-a', runId, targetId)) {
      const before = await tableCounts(t.store)
      const res = await send(call, header === 'CREDENTIAL' ? credentialOf(a) : header)
      expect({ route, status: res.statusCode }).toEqual({ route, status: 401 })
      expect(res.json()).toEqual({ code: 'LF_UNAUTHORIZED', message: 'Missing or invalid credentials', details: {} })
      expect(await tableCounts(t.store)).toEqual(before)
    }
  })

  it('refuses another agent\'s valid credential with 403, writing nothing', async () => {
    const beforeRun = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun(runId) })
    for (const [route, call] of agentCalls('agent-a', runId, targetId)) {
      const before = await tableCounts(t.store)
      const res = await send(call, b)
      expect({ route, status: res.statusCode }).toEqual({ route, status: 403 })
      expect(res.json()).toEqual({
        code: 'LF_AGENT_FORBIDDEN', details: { name: 'agent-a' },
        message: 'This credential was issued to another agent, not "agent-a"; each agent uses the credential it was given when it registered',
      })
      expect(await tableCounts(t.store)).toEqual(before)
    }
    expect((await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun(runId) })).body).toBe(beforeRun.body)
  })

  it('refuses a finish or start of another agent\'s run with 403 even on the sender\'s own path', async () => {
    const before = await tableCounts(t.store)
    const beforeRun = (await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun(runId) })).body
    const finish = await send({ method: 'POST', url: ROUTES.agentRunFinish('agent-b', runId), payload: { status: 'failed' } }, b)
    expect(finish.statusCode).toBe(403)
    expect(finish.json()).toEqual({
      code: 'LF_RUN_NOT_OWNED', details: { id: runId },
      message: `Run "${runId}" was started by another agent; only the agent that started a run can report it`,
    })
    const start = await send({ method: 'POST', url: ROUTES.agentRunStart('agent-b'), payload: { id: runId, targetId } }, b)
    expect(start.statusCode).toBe(403)
    expect(start.json()).toMatchObject({ code: 'LF_RUN_NOT_OWNED' })
    expect(await tableCounts(t.store)).toEqual(before)
    expect((await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun(runId) })).body).toBe(beforeRun)
    const agentB = await t.store.repos.agents.get('agent-b')
    expect(agentB).toMatchObject({ status: 'online', currentRunId: null })
  })

  it('accepts the agent\'s own credential, and a new registration of the name invalidates the old one', async () => {
    const heartbeat: Call = { method: 'POST', url: ROUTES.agentHeartbeat('agent-a'), payload: { status: 'busy', currentRunId: runId } }
    expect((await send(heartbeat, a)).statusCode).toBe(200)
    const again = await enrolAgent(t.app, 'agent-a')
    expect(again).not.toBe(a)
    expect((await send(heartbeat, a)).statusCode).toBe(401)
    expect((await send(heartbeat, again)).statusCode).toBe(200)
    expect((await t.store.repos.agents.credentialHashOf('agent-a'))).toBe(sha256Hex(credentialOf(again)))
    // The run started before still belongs to the name, so the re-registered agent can report it.
    const finish = await send({ method: 'POST', url: ROUTES.agentRunFinish('agent-a', runId), payload: { status: 'passed' } }, again)
    expect(finish.statusCode).toBe(200)
    a = again
  })
})

describe.each(['sqlite', 'postgres'] as const)('concurrent forged finishes on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer({ ...serverOptionsFor(db), fleetScaler: 'none' })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const forge = async (path: string, credential: string, n: number): Promise<{ status: number, code: string }> => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST', headers: { ...json, authorization: `Bearer ${credential}` },
      body: JSON.stringify({ status: 'failed', errorMessage: `forged ${n}` }),
    })
    return { status: res.status, code: (await res.json() as { code: string }).code }
  }

  it('refuses every forged finish while the owner\'s real one is stored, and the owner never meets a 409', async () => {
    const admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
    const agentA = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
    const agentB = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
    const target = await admin.createTarget({ url: 'http://127.0.0.1:9/', durationS: 1 })
    await agentA.registerAgent({ name: 'owner' })
    const { credential: forger } = await agentB.registerAgent({ name: 'forger' })
    const runId = `forged-run-${kind}-01`
    await agentA.startRun('owner', { id: runId, targetId: target.id })

    // Half on the owner's path (someone else's credential), half on the forger's own path (someone else's run).
    const barrage = (from: number) => Array.from({ length: FORGERIES }, (_, i) =>
      forge(i % 2 === 0 ? ROUTES.agentRunFinish('owner', runId) : ROUTES.agentRunFinish('forger', runId), forger, from + i))
    const early = await Promise.all(barrage(0))
    expect((await admin.getRun(runId)).status).toBe('running')

    const metrics = {
      p50_ms: 3, p95_ms: 7, p99_ms: 9, avg_ms: 4, error_rate: 0, rps: 12, data_received_bytes: 10, iterations: 12,
    }
    const real = { status: 'passed' as const, metrics, summary: { by: 'owner' } }
    const [finished, ...during] = await Promise.all([agentA.finishRun('owner', runId, real), ...barrage(FORGERIES)])
    const late = await Promise.all(barrage(2 * FORGERIES))

    for (const [i, answer] of [...early, ...during, ...late].entries()) {
      expect(answer).toEqual({ status: 403, code: i % 2 === 0 ? 'LF_AGENT_FORBIDDEN' : 'LF_RUN_NOT_OWNED' })
    }
    expect(finished).toMatchObject({ id: runId, status: 'passed', agentName: 'owner', errorMessage: null })
    const stored: RunDetail = await admin.getRun(runId)
    expect(stored).toMatchObject({ status: 'passed', errorMessage: null, summary: { by: 'owner' } })
    // The owner's retry (an answer lost on the way) is the same result: accepted again, never a 409.
    expect(await agentA.finishRun('owner', runId, real)).toEqual(finished)
    // Counted as refused authentications (LF_RUN_NOT_OWNED ones authenticated fine), yet never rate-limited.
    const scrape = await (await fetch(`${server.url}/api/metrics`)).text()
    const forbidden = /^loadfleet_auth_failures_total\{reason="forbidden"\} (\d+)$/m.exec(scrape)?.[1]
    expect(Number(forbidden)).toBe(3 * FORGERIES / 2)
    const agents = (await admin.dashboardAgents()).data
    expect(agents.find((x) => x.name === 'forger')).toMatchObject({ status: 'online', currentRunId: null })
    expect(agents.find((x) => x.name === 'owner')).toMatchObject({ currentRunId: null })
  })
})
