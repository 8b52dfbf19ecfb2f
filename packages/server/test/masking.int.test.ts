import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { adminHeader, createInjectApp, enrolAgent, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }
const admin = { ...json, authorization: adminHeader }
const SECRETS = ['S3cretInUrl', 'svcuser', 'AKIAEXAMPLE', 'tok-123', 'sig-456']
const REAL = 'http://svcuser:S3cretInUrl@127.0.0.1:9/p?api_key=AKIAEXAMPLE&page=2&access_token=tok-123#sig=sig-456'
const MASKED = 'http://***@127.0.0.1:9/p?api_key=***&page=2&access_token=***#sig=***'

describe('credentials in target URLs', () => {
  let t: InjectApp
  let targetId: string
  let agentAuth: string
  const bodies: string[] = []

  async function read (url: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await t.app.inject({ method: 'GET', url, headers })
    expect(res.statusCode).toBe(200)
    bodies.push(res.body)
    return res.body
  }

  beforeAll(async () => {
    t = await createInjectApp()
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url: REAL, label: 'secret site' } })
    expect(res.statusCode).toBe(201)
    bodies.push(res.body)
    targetId = res.json<{ id: string }>().id
    agentAuth = await enrolAgent(t.app, 'mask-agent')
    const agent = { ...json, authorization: agentAuth }
    await t.app.inject({ method: 'POST', url: ROUTES.agentRunStart('mask-agent'), headers: agent, payload: { id: 'run-mask-0001', targetId } })
    const finish = await t.app.inject({
      method: 'POST', url: ROUTES.agentRunFinish('mask-agent', 'run-mask-0001'), headers: agent,
      payload: {
        status: 'error', errorMessage: `GET ${REAL} failed`,
        summary: { requests: [{ url: REAL }], metrics: { [`http_reqs{url:${REAL}}`]: { values: { count: 1 } } } },
      },
    })
    expect(finish.statusCode).toBe(200)
  })
  afterAll(async () => { await t.close() })

  it('are masked by every read API and in the create answer', async () => {
    expect(JSON.parse(bodies[0] ?? '{}')).toMatchObject({ url: MASKED })
    const one = await read(ROUTES.adminTarget(targetId), { authorization: adminHeader })
    expect(JSON.parse(one)).toMatchObject({ url: MASKED })
    await read(ROUTES.adminTargets, { authorization: adminHeader })
    await read(ROUTES.adminAudit, { authorization: adminHeader })
    expect(await read(ROUTES.dashboardTargets)).toContain(MASKED)
    expect(await read(ROUTES.dashboardRuns)).toContain(MASKED)
    const detail = JSON.parse(await read(ROUTES.dashboardRun('run-mask-0001'))) as Record<string, unknown>
    expect(detail).toMatchObject({
      targetUrl: MASKED, errorMessage: `GET ${MASKED} failed`, summary: { requests: [{ url: MASKED }] },
    })
    for (const body of bodies) for (const secret of SECRETS) expect(body).not.toContain(secret)
  })

  it('reach the agent unmasked, over its authenticated route only', async () => {
    const res = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('mask-agent'), headers: { authorization: agentAuth } })
    expect(res.json<{ data: Array<{ url: string }> }>().data[0]?.url).toBe(REAL)
    expect((await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('mask-agent') })).statusCode).toBe(401)
  })

  it('survive an edit that sends the masked URL back unchanged', async () => {
    const res = await t.app.inject({
      method: 'PATCH', url: ROUTES.adminTarget(targetId), headers: admin, payload: { url: MASKED, label: 'renamed' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ url: MASKED, label: 'renamed' })
    const agentView = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('mask-agent'), headers: { authorization: agentAuth } })
    expect(agentView.json<{ data: Array<{ url: string, label: string }> }>().data[0]).toMatchObject({ url: REAL, label: 'renamed' })
  })
})
