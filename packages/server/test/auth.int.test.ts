import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { ADMIN, TOKEN, adminHeader, agentHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`
const wrongCredentials: Array<[string, string | undefined]> = [
  ['missing header', undefined],
  ['wrong password', basic('admin:wrong')],
  ['wrong user', basic(`root:${ADMIN.split(':')[1] ?? ''}`)],
  ['password prefix', basic(ADMIN.slice(0, -1))],
  ['password with suffix', basic(`${ADMIN}x`)],
  ['no colon', basic('admin')],
  ['empty basic', 'Basic '],
  ['not base64', 'Basic !!!'],
  ['bearer on admin route', agentHeader],
  ['lowercase scheme with wrong value', 'basic YWRtaW46eA=='],
]

describe('authentication', () => {
  let t: InjectApp
  beforeAll(async () => { t = await createInjectApp() })
  afterAll(async () => { await t.close() })

  it.each(wrongCredentials)('admin route refuses %s with the same 401 body, writing only its audit entry', async (_name, header) => {
    const before = await tableCounts(t.store)
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets,
      headers: { 'content-type': 'application/json', ...(header === undefined ? {} : { authorization: header }) },
      payload: { url: 'https://example.com' },
    })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ code: 'LF_UNAUTHORIZED', message: 'Missing or invalid credentials', details: {} })
    // A refused attempt is audited (written after the answer); a request without credentials is not an attempt.
    const audited = header === undefined ? 0 : 1
    await expect.poll(async () => await tableCounts(t.store))
      .toEqual({ ...before, audit: (before.audit ?? 0) + audited })
  })

  it.each([
    ['missing header', undefined],
    ['wrong token', 'Bearer nope'],
    ['token prefix', `Bearer ${TOKEN.slice(0, -1)}`],
    ['admin basic auth on an agent route', adminHeader],
    ['token without scheme', TOKEN],
  ])('agent route refuses %s with the same 401 body', async (_name, header) => {
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.agentRegister,
      headers: { 'content-type': 'application/json', ...(header === undefined ? {} : { authorization: header }) },
      payload: { name: 'k6agent-0' },
    })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ code: 'LF_UNAUTHORIZED', message: 'Missing or invalid credentials', details: {} })
  })

  it('checks credentials before parsing the body (an oversized unauthenticated body is still 401)', async () => {
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ label: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expect(res.statusCode).toBe(401)
  })

  it('accepts the right credentials, and dashboard reads are open by default', async () => {
    expect((await t.app.inject({ method: 'GET', url: ROUTES.adminTargets, headers: { authorization: adminHeader } })).statusCode).toBe(200)
    const own = await enrolAgent(t.app, 'a1')
    expect((await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('a1'), headers: { authorization: own } })).statusCode).toBe(200)
    // The enrolment secret registers, and does nothing else.
    expect((await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('a1'), headers: { authorization: agentHeader } })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: ROUTES.dashboardRuns })).statusCode).toBe(200)
  })
})

describe('DASHBOARD_REQUIRE_AUTH', () => {
  let t: InjectApp
  beforeAll(async () => { t = await createInjectApp({ dashboardRequireAuth: true }) })
  afterAll(async () => { await t.close() })

  it('makes every dashboard read need admin credentials', async () => {
    for (const url of [ROUTES.dashboardTargets, ROUTES.dashboardAgents, ROUTES.dashboardFleet, ROUTES.dashboardRuns]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401)
      expect((await t.app.inject({ method: 'GET', url, headers: { authorization: agentHeader } })).statusCode).toBe(401)
      expect((await t.app.inject({ method: 'GET', url, headers: { authorization: adminHeader } })).statusCode).toBe(200)
    }
  })
})
