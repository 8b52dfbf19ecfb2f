import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseK6SummaryExport } from '@loadfleet/core'
import { ROUTES } from '@loadfleet/api'
import { ADMIN, adminHeader, agentHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }
const validTarget = { url: 'https://example.com/', label: 'Example', vus: 10, durationS: 30, runIntervalMs: 60_000 }

describe('route contracts (app.inject, SQLite)', () => {
  let t: InjectApp
  let targetId: string
  let agentAuth: string

  beforeAll(async () => {
    t = await createInjectApp()
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: { ...json, authorization: adminHeader }, payload: validTarget })
    expect(res.statusCode).toBe(201)
    targetId = (res.json<{ id: string }>()).id
    agentAuth = await enrolAgent(t.app, 'k6agent-0')
  })
  afterAll(async () => { await t.close() })

  const badInputs: Array<[string, string, string, unknown, number, string]> = [
    ['malformed JSON', 'POST', ROUTES.adminTargets, '{"url": ', 400, 'body'],
    ['empty JSON body', 'POST', ROUTES.adminTargets, '', 400, 'body'],
    ['JSON array body', 'POST', ROUTES.adminTargets, [], 400, 'body'],
    ['missing url', 'POST', ROUTES.adminTargets, { label: 'x' }, 400, 'body.url'],
    ['ftp url', 'POST', ROUTES.adminTargets, { url: 'ftp://example.com' }, 400, 'body.url'],
    ['javascript url', 'POST', ROUTES.adminTargets, { url: 'javascript:alert(1)' }, 400, 'body.url'],
    ['url too long', 'POST', ROUTES.adminTargets, { url: `https://e.com/${'a'.repeat(2040)}` }, 400, 'body.url'],
    ['label too long', 'POST', ROUTES.adminTargets, { url: 'https://e.com', label: 'é'.repeat(201) }, 400, 'body.label'],
    ['vus as string', 'POST', ROUTES.adminTargets, { url: 'https://e.com', vus: '10' }, 400, 'body.vus'],
    ['vus zero', 'POST', ROUTES.adminTargets, { url: 'https://e.com', vus: 0 }, 400, 'body.vus'],
    ['vus too many', 'POST', ROUTES.adminTargets, { url: 'https://e.com', vus: 10_001 }, 400, 'body.vus'],
    ['vus fractional', 'POST', ROUTES.adminTargets, { url: 'https://e.com', vus: 1.5 }, 400, 'body.vus'],
    ['duration too long', 'POST', ROUTES.adminTargets, { url: 'https://e.com', durationS: 3601 }, 400, 'body.durationS'],
    ['interval too short', 'POST', ROUTES.adminTargets, { url: 'https://e.com', runIntervalMs: 999 }, 400, 'body.runIntervalMs'],
    ['enabled as string', 'POST', ROUTES.adminTargets, { url: 'https://e.com', enabled: 'yes' }, 400, 'body.enabled'],
    ['unknown field', 'POST', ROUTES.adminTargets, { url: 'https://e.com', color: 'red' }, 400, 'body.color'],
    ['empty patch', 'PATCH', '/api/admin/k6/targets/TARGET', {}, 400, 'body'],
    ['patch wrong type', 'PATCH', '/api/admin/k6/targets/TARGET', { vus: 'many' }, 400, 'body.vus'],
    ['desired count too high', 'PUT', ROUTES.adminConfig, { k6DesiredAgentCount: 1001 }, 400, 'body.k6DesiredAgentCount'],
    ['desired count negative', 'PUT', ROUTES.adminConfig, { k6DesiredAgentCount: -1 }, 400, 'body.k6DesiredAgentCount'],
    ['config unknown field', 'PUT', ROUTES.adminConfig, { k6DesiredAgentCount: 1, x: 1 }, 400, 'body.x'],
    ['bad agent name', 'POST', ROUTES.agentRegister, { name: '-bad name-' }, 400, 'body.name'],
    ['heartbeat bad status', 'POST', ROUTES.agentHeartbeat('k6agent-0'), { status: 'sleeping' }, 400, 'body.status'],
    ['run id too short', 'POST', ROUTES.agentRunStart('k6agent-0'), { id: 'abc', targetId: 'TARGET' }, 400, 'body.id'],
    ['run startedAt not a time', 'POST', ROUTES.agentRunStart('k6agent-0'), { id: 'run-bad-time-1', targetId: 'TARGET', startedAt: 'yesterday' }, 400, 'body.startedAt'],
    ['finish error_rate > 1', 'POST', ROUTES.agentRunFinish('k6agent-0', 'run-missing-1'), {
      status: 'passed',
      metrics: {
        p50_ms: 1, p95_ms: 1, p99_ms: 1, avg_ms: 1, error_rate: 2, rps: 1, data_received_bytes: 1, iterations: 1,
      },
    }, 400, 'body.metrics.error_rate'],
    ['finish unknown status', 'POST', ROUTES.agentRunFinish('k6agent-0', 'run-missing-1'), { status: 'ok' }, 400, 'body.status'],
    ['runs limit out of range', 'GET', `${ROUTES.dashboardRuns}?limit=500`, undefined, 400, 'querystring.limit'],
    ['runs unknown status', 'GET', `${ROUTES.dashboardRuns}?status=done`, undefined, 400, 'querystring.status'],
    ['runs bad cursor', 'GET', `${ROUTES.dashboardRuns}?cursor=!!!`, undefined, 400, 'querystring.cursor'],
    ['runs unknown param', 'GET', `${ROUTES.dashboardRuns}?sort=asc`, undefined, 400, 'querystring.sort'],
    ['series bad from', 'GET', '/api/dashboard/k6/targets/TARGET/series?from=soon', undefined, 400, 'querystring.from'],
  ]

  it.each(badInputs)('%s: 4xx naming the field, nothing written', async (_name, method, url, body, status, path) => {
    const before = await tableCounts(t.store)
    const isAgent = url.startsWith('/api/k6/')
    const agent = url === ROUTES.agentRegister ? agentHeader : agentAuth
    const res = await t.app.inject({
      method: method as 'POST',
      url: url.replace('TARGET', targetId),
      headers: { ...json, authorization: isAgent ? agent : adminHeader },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    expect(res.statusCode).toBe(status)
    const payload = res.json<{ code: string, message: string, details: { issues: Array<{ path: string }> } }>()
    expect(payload.code).toBe('LF_REQUEST_INVALID')
    expect(payload.details.issues.map((i) => i.path)).toContain(path)
    expect(await tableCounts(t.store)).toEqual(before)
  })

  it('rejects a body over 1 MiB with 413 JSON and writes nothing', async () => {
    const before = await tableCounts(t.store)
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets, headers: { ...json, authorization: adminHeader },
      payload: JSON.stringify({ url: 'https://e.com', label: 'x'.repeat(1024 * 1024) }),
    })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'LF_BODY_TOO_LARGE' })
    expect(await tableCounts(t.store)).toEqual(before)
  })

  it('rejects a non-JSON content type with 415 JSON', async () => {
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: adminHeader },
      payload: 'url=https://e.com',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ code: 'LF_UNSUPPORTED_MEDIA_TYPE' })
  })

  it('answers unknown API routes with 404 JSON', async () => {
    for (const [method, url] of [['GET', '/api/nope'], ['POST', '/api/admin/nope'], ['DELETE', '/healthz']] as const) {
      const res = await t.app.inject({ method, url })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ code: 'LF_ROUTE_NOT_FOUND' })
    }
  })

  it('returns 404 for unknown targets and runs', async () => {
    const h = { authorization: adminHeader }
    expect((await t.app.inject({ method: 'GET', url: ROUTES.adminTarget('nope'), headers: h })).json())
      .toMatchObject({ code: 'LF_TARGET_NOT_FOUND' })
    expect((await t.app.inject({ method: 'DELETE', url: ROUTES.adminTarget('nope'), headers: h })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun('nope-0000') })).json())
      .toMatchObject({ code: 'LF_RUN_NOT_FOUND' })
    // An agent never registered has no credential to present: 401, which makes a real agent register.
    expect((await t.app.inject({ method: 'POST', url: ROUTES.agentHeartbeat('ghost'), headers: { ...json, authorization: agentHeader }, payload: { status: 'online' } })).json())
      .toMatchObject({ code: 'LF_UNAUTHORIZED' })
  })

  it('keeps labels exactly, including hostile markup and any Unicode', async () => {
    const label = '<img src=x onerror=alert(1)> 東京 👩‍💻 "quotes"'
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: { ...json, authorization: adminHeader }, payload: { url: 'http://127.0.0.1:1/', label } })
    const id = res.json<{ id: string }>().id
    const got = await t.app.inject({ method: 'GET', url: ROUTES.adminTarget(id), headers: { authorization: adminHeader } })
    expect(got.json<{ label: string }>().label).toBe(label)
  })

  it('audits a target update with who, when and a field diff', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(targetId), headers: { ...json, authorization: adminHeader }, payload: { enabled: false, vus: 10 } })
    expect(res.json()).toMatchObject({ enabled: false, vus: 10 })
    const audit = await t.app.inject({ method: 'GET', url: `${ROUTES.adminAudit}?limit=1`, headers: { authorization: adminHeader } })
    const entry = audit.json<{ data: Array<Record<string, unknown>> }>().data[0]
    expect(entry).toMatchObject({ actor: ADMIN.split(':')[0], action: 'update', entity: 'target', entityId: targetId, change: { enabled: { from: true, to: false } } })
    expect(Date.now() - Date.parse(String(entry?.at))).toBeLessThan(60_000)
  })

  it('deletes a target with 204 and an empty body, keeping its runs', async () => {
    const h = { ...json, authorization: adminHeader }
    const created = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: h, payload: { url: 'https://gone.example/' } })
    const id = created.json<{ id: string }>().id
    const started = await t.app.inject({
      method: 'POST', url: ROUTES.agentRunStart('k6agent-0'), headers: { ...json, authorization: agentAuth },
      payload: { id: 'run-of-deleted-target', targetId: id },
    })
    expect(started.statusCode).toBe(201)
    const res = await t.app.inject({ method: 'DELETE', url: ROUTES.adminTarget(id), headers: { authorization: adminHeader } })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    const run = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun('run-of-deleted-target') })
    expect(run.json()).toMatchObject({ targetId: id, targetLabel: null, status: 'running' })
  })

  it('exports a finished run in k6 --summary-export format, and says plainly when there is nothing to export', async () => {
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/k6/summary-export-thresholds-crossed.json'), 'utf8')) as { metrics: Record<string, Record<string, unknown>> }
    const parsed = parseK6SummaryExport(fixture)
    const now = Date.now()
    const summary = {
      engine: 'k6', outcome: 'failed', startedAt: now - parsed.durationMs, finishedAt: now, durationMs: parsed.durationMs,
      metrics: parsed.metrics, thresholds: parsed.thresholds, checks: parsed.checks, statusCodes: {}, errorKinds: {},
    }
    const agent = { ...json, authorization: agentAuth }
    await t.app.inject({ method: 'POST', url: ROUTES.agentRunStart('k6agent-0'), headers: agent, payload: { id: 'run-export-0001', targetId } })
    const finished = await t.app.inject({
      method: 'POST', url: ROUTES.agentRunFinish('k6agent-0', 'run-export-0001'), headers: agent,
      payload: { status: 'failed', summary },
    })
    expect(finished.statusCode).toBe(200)
    const res = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRunSummaryExport('run-export-0001') })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-disposition']).toContain('attachment')
    const exported = res.json<{ metrics: Record<string, Record<string, unknown>> }>()
    expect(Object.keys(exported.metrics).sort()).toEqual(Object.keys(fixture.metrics).sort())
    // In this format `true` means the threshold FAILED, exactly as k6 wrote it.
    expect(exported.metrics.http_req_failed?.thresholds).toEqual(fixture.metrics.http_req_failed?.thresholds)
    expect(exported.metrics.http_req_duration?.['p(95)']).toBeCloseTo(Number(fixture.metrics.http_req_duration?.['p(95)']), 6)

    await t.app.inject({ method: 'POST', url: ROUTES.agentRunStart('k6agent-0'), headers: agent, payload: { id: 'run-export-0002', targetId } })
    await t.app.inject({ method: 'POST', url: ROUTES.agentRunFinish('k6agent-0', 'run-export-0002'), headers: agent, payload: { status: 'error', errorMessage: 'k6 binary not found' } })
    const missing = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRunSummaryExport('run-export-0002') })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'LF_RUN_SUMMARY_MISSING' })
  })

  it('serves an OpenAPI document covering every route of the contract', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/json' })
    const doc = res.json<{ paths: Record<string, unknown> }>()
    const paths = Object.keys(doc.paths)
    const expected = [
      ROUTES.adminTargets, '/api/admin/k6/targets/{id}', ROUTES.adminConfig, ROUTES.adminAudit, ROUTES.adminFleetReconcile,
      ROUTES.adminApply,
      ROUTES.dashboardTargets, '/api/dashboard/k6/targets/{id}/series', ROUTES.dashboardAgents, ROUTES.dashboardFleet,
      ROUTES.dashboardRuns, '/api/dashboard/k6/runs/{id}', '/api/dashboard/k6/runs/{id}/summary-export', ROUTES.agentRegister, '/api/k6/agents/{name}/heartbeat',
      '/api/k6/agents/{name}/targets', '/api/k6/agents/{name}/runs', '/api/k6/agents/{name}/runs/{runId}/finish',
      ROUTES.metrics, ROUTES.healthz, ROUTES.readyz,
    ]
    for (const path of expected) expect(paths).toContain(path)
    const ui = await t.app.inject({ method: 'GET', url: '/api/docs/' })
    expect(ui.statusCode).toBe(200)
  })

  it('serves health, readiness and the SPA fallback with security headers', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' })
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' })
    for (const url of ['/', '/agents/k6', '/agents/k6/sites', '/agents/k6/runs/abc']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/text\/html/)
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    }
  })
})
