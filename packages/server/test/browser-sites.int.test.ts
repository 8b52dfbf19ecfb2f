import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, type BrowserRun, type BrowserRunDetail, type BrowserSite, type BrowserSiteWithLast } from '@loadfleet/api'
import { adminHeader, createInjectApp, enrolAgent, type InjectApp } from './helpers/inject-app.js'

// Browser sites and runs through the real app and a real SQLite store (app.inject), with a browser agent's reports.

const json = { 'content-type': 'application/json' }
const RUN_ID = 'b0000000-0000-4000-8000-000000000001'
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9])

let t: InjectApp
let agent: string

const result = {
  status: 'failed', reason: 'step 1 (click #buy): selector #buy not found after 10 s', httpStatus: 200,
  navigation: { dnsMs: 1, connectMs: 2, tlsMs: 1, ttfbMs: 80, domContentLoadedMs: 300, loadMs: 450 },
  vitals: { lcp: { value: 1200, rating: 'good' }, cls: { value: 0.12, rating: 'needs-improvement' } },
  tls: { protocol: 'TLS 1.3', cipher: 'AES_128_GCM', issuer: 'R3', subject: 'shop', validFromAt: '2026-01-01T00:00:00.000Z', validToAt: '2026-12-12T00:00:00.000Z', daysUntilExpiry: 9.6 },
  consoleErrors: ['boom'], pageErrors: [], resources: { count: 3 }, steps: [],
}

beforeAll(async () => {
  t = await createInjectApp()
  agent = await enrolAgent(t.app, 'browser-1')
})
afterAll(async () => { await t.close() })

describe('browser sites', () => {
  let site: BrowserSite

  it('creates a site with its check in the steps-file form; a bad step is a 400 naming the field', async () => {
    const bad = await t.app.inject({
      method: 'POST', url: ROUTES.adminBrowserSites, headers: { ...json, authorization: adminHeader },
      payload: { url: 'https://shop.example.com/', check: { steps: [{ click: '#a', tap: '#b' }], device: 'phone' } },
    })
    expect(bad.statusCode).toBe(400)
    const paths = (bad.json<{ details: { issues: Array<{ path: string }> } }>()).details.issues.map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['body.check.steps.0.tap', 'body.check.device']))
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminBrowserSites, headers: { ...json, authorization: adminHeader },
      payload: { url: 'https://shop.example.com/', label: 'Shop', check: { steps: [{ click: '#buy' }], device: 'mobile' } },
    })
    expect(res.statusCode).toBe(201)
    site = res.json<BrowserSite>()
    expect(site).toMatchObject({ url: 'https://shop.example.com/', label: 'Shop', runIntervalMs: 300_000, enabled: true })
    const tooOften = await t.app.inject({
      method: 'PATCH', url: ROUTES.adminBrowserSite(site.id), headers: { ...json, authorization: adminHeader },
      payload: { runIntervalMs: 1000 },
    })
    expect(tooOften.statusCode).toBe(400)
    const unauthenticated = await t.app.inject({ method: 'POST', url: ROUTES.adminBrowserSites, headers: json, payload: {} })
    expect(unauthenticated.statusCode).toBe(401)
  })

  it('hands enabled sites to browser agents and records a run they report, with its screenshot', async () => {
    const sites = await t.app.inject({ method: 'GET', url: ROUTES.agentBrowserSites('browser-1'), headers: { authorization: agent } })
    expect(sites.statusCode).toBe(200)
    expect(sites.json<{ data: Array<{ id: string, lastStartedAt: string | null }> }>().data)
      .toEqual([expect.objectContaining({ id: site.id, lastStartedAt: null })])
    const start = await t.app.inject({
      method: 'POST', url: ROUTES.agentBrowserRunStart('browser-1'), headers: { ...json, authorization: agent },
      payload: { id: RUN_ID, siteId: site.id },
    })
    expect(start.statusCode).toBe(201)
    const finish = {
      status: 'failed', errorMessage: result.reason, result,
      screenshot: { format: 'jpeg', data: JPEG.toString('base64') },
    }
    const finished = await t.app.inject({
      method: 'POST', url: ROUTES.agentBrowserRunFinish('browser-1', RUN_ID), headers: { ...json, authorization: agent },
      payload: finish,
    })
    expect(finished.statusCode).toBe(200)
    expect(finished.json<BrowserRun>()).toMatchObject({
      status: 'failed', failureReason: result.reason, lcpMs: 1200, cls: 0.12, loadMs: 450, tlsDaysUntilExpiry: 9.6,
      hasScreenshot: true,
    })
    // The same report again is accepted once; a different one is a conflict.
    const again = await t.app.inject({
      method: 'POST', url: ROUTES.agentBrowserRunFinish('browser-1', RUN_ID), headers: { ...json, authorization: agent },
      payload: finish,
    })
    expect(again.statusCode).toBe(200)
    const other = await t.app.inject({
      method: 'POST', url: ROUTES.agentBrowserRunFinish('browser-1', RUN_ID), headers: { ...json, authorization: agent },
      payload: { ...finish, status: 'passed' },
    })
    expect(other.statusCode).toBe(409)
    const shot = await t.app.inject({ method: 'GET', url: ROUTES.dashboardBrowserRunScreenshot(RUN_ID) })
    expect(shot.statusCode).toBe(200)
    expect(shot.headers['content-type']).toBe('image/jpeg')
    expect(shot.rawPayload).toEqual(JPEG)
  })

  it('refuses another agent\'s report and the enrolment secret on agent routes', async () => {
    const other = await enrolAgent(t.app, 'browser-2')
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.agentBrowserRunFinish('browser-2', RUN_ID), headers: { ...json, authorization: other },
      payload: { status: 'passed' },
    })
    expect(res.statusCode).toBe(403)
    const wrong = await t.app.inject({ method: 'GET', url: ROUTES.agentBrowserSites('browser-1'), headers: { authorization: other } })
    expect(wrong.statusCode).toBe(403)
  })

  it('lists sites with their last verdict, and runs with their figures', async () => {
    const list = await t.app.inject({ method: 'GET', url: ROUTES.dashboardBrowserSites })
    const [listed] = list.json<{ data: BrowserSiteWithLast[] }>().data
    expect(listed?.lastRun).toMatchObject({ id: RUN_ID, status: 'failed', lcpMs: 1200, tlsDaysUntilExpiry: 9.6 })
    const runs = await t.app.inject({ method: 'GET', url: `${ROUTES.dashboardBrowserRuns}?siteId=${site.id}` })
    expect(runs.json<{ data: BrowserRun[] }>().data.map((r) => r.id)).toEqual([RUN_ID])
    const detail = await t.app.inject({ method: 'GET', url: ROUTES.dashboardBrowserRun(RUN_ID) })
    expect(detail.json<BrowserRunDetail>().result).toMatchObject({ consoleErrors: ['boom'], tls: { protocol: 'TLS 1.3' } })
    const missing = await t.app.inject({ method: 'GET', url: ROUTES.dashboardBrowserRun('nope') })
    expect(missing.statusCode).toBe(404)
  })

  it('audits changes and deletes a site, keeping its runs', async () => {
    const del = await t.app.inject({ method: 'DELETE', url: ROUTES.adminBrowserSite(site.id), headers: { authorization: adminHeader } })
    expect(del.statusCode).toBe(204)
    const gone = await t.app.inject({ method: 'GET', url: ROUTES.adminBrowserSite(site.id), headers: { authorization: adminHeader } })
    expect(gone.statusCode).toBe(404)
    expect(gone.json<{ code: string }>().code).toBe('LF_BROWSER_SITE_NOT_FOUND')
    const runs = await t.app.inject({ method: 'GET', url: ROUTES.dashboardBrowserRuns })
    expect(runs.json<{ data: BrowserRun[] }>().data[0]).toMatchObject({ id: RUN_ID, siteLabel: null })
    const audit = await t.store.repos.audit.list({ limit: 50 })
    expect(audit.data.filter((e) => e.entity === 'browser_site').map((e) => e.action).sort()).toEqual(['create', 'delete'])
  })
})
