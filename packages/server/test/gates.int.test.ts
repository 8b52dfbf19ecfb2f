import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GATE_EVIDENCE_KIND, ROUTES, type AppSummary, type Gate, type GateDetail, type GateEvidence } from '@loadfleet/api'
import { adminHeader, createInjectApp, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }

/** Evidence as `loadfleet gate` writes it: shop → api, payments (depends on api). */
function evidenceOf (revision: string, verdict: GateEvidence['verdict'], p95: number): GateEvidence {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()
  const test = (name: string, status: GateEvidence['apps'][number]['status']) => ({
    name, kind: 'url' as const, location: `http://127.0.0.1:9/${name}`, status, reason: null, runner: 'local' as const,
    runId: null, startedAt: at(1), finishedAt: at(2), metrics: { p95, error_rate: 0, rps: 5 }, thresholds: [],
    criteria: [], errorMessage: null,
  })
  const app = (name: string, parent: string | null, dependsOn: string[], status: GateEvidence['verdict'] | 'skipped') => ({
    name, parent, file: `${name}/app.yaml`, dependsOn, status, reason: null, startedAt: at(0), finishedAt: at(3),
    settings: { labels: {} }, tests: name === 'shop' ? [] : [test(name === 'api' ? 'products' : 'quote', status)],
  })
  return {
    kind: GATE_EVIDENCE_KIND, app: 'shop', revision, verdict, mode: 'local', startedAt: at(0), finishedAt: at(3),
    identity: { user: 'ci', host: 'runner', ci: null }, order: ['shop', 'api', 'payments'],
    apps: [app('shop', null, [], 'pass'), app('api', 'shop', [], verdict), app('payments', 'shop', ['api'], verdict === 'fail' ? 'skipped' : verdict)],
    baseline: null,
  }
}

describe.each(['sqlite', 'postgres'] as const)('gates as versioned artifacts on %s', (kind) => {
  let t: InjectApp
  const get = async (url: string) => await t.app.inject({ method: 'GET', url, headers: { authorization: adminHeader } })
  const record = async (evidence: unknown) => await t.app.inject({
    method: 'POST', url: ROUTES.adminGates, headers: { authorization: adminHeader, ...json }, payload: { evidence },
  })

  beforeAll(async () => { t = await createInjectApp({ kind }) })
  afterAll(async () => { await t.close() })

  it('keeps the evidence byte for byte and answers the same gate by revision', async () => {
    const text = JSON.stringify(evidenceOf('rev-1', 'pass', 20), null, 2) + '\n'
    const res = await record(text)
    expect(res.statusCode, res.body).toBe(201)
    const gate = res.json<Gate>()
    expect(gate).toMatchObject({ app: 'shop', revision: 'rev-1', verdict: 'pass', actor: 'admin',
      evidenceSha256: createHash('sha256').update(text).digest('hex'),
      apps: [{ name: 'shop', status: 'pass' }, { name: 'api', status: 'pass' }, { name: 'payments', status: 'pass' }] })
    const detail = (await get(ROUTES.dashboardAppRevision('api', 'rev-1'))).json<GateDetail>()
    expect(detail.id).toBe(gate.id)
    expect(detail.runs).toEqual([
      { app: 'api', test: 'products', status: 'pass', runId: null, metrics: { p95: 20, error_rate: 0, rps: 5 } },
      { app: 'payments', test: 'quote', status: 'pass', runId: null, metrics: { p95: 20, error_rate: 0, rps: 5 } },
    ])
    const file = await get(ROUTES.dashboardAppRevisionEvidence('shop', 'rev-1'))
    expect(file.statusCode).toBe(200)
    expect(file.body).toBe(text)
    expect(file.headers['x-evidence-sha256']).toBe(gate.evidenceSha256)
    expect(file.headers['content-disposition']).toBe('attachment; filename="gate-shop-rev-1.json"')
  })

  it('lists apps with their tree, tests and last gate, and gates newest first, passing ones on demand', async () => {
    expect((await record(JSON.stringify(evidenceOf('rev-2', 'fail', 90)))).statusCode).toBe(201)
    const apps = (await get(ROUTES.dashboardApps)).json<{ data: AppSummary[] }>().data
    expect(apps.map((a) => a.name)).toEqual(['api', 'payments', 'shop'])
    expect(apps.find((a) => a.name === 'shop')).toMatchObject({ parent: null, children: ['api', 'payments'] })
    expect(apps.find((a) => a.name === 'payments')).toMatchObject({
      parent: 'shop', dependsOn: ['api'], lastGate: { status: 'skipped', revision: 'rev-2' },
      tests: [{ name: 'quote', kind: 'url', location: 'http://127.0.0.1:9/quote', targetId: null }],
    })
    const gates = (await get(ROUTES.dashboardAppGates('api'))).json<{ data: Gate[] }>().data
    expect(gates.map((g) => [g.revision, g.verdict])).toEqual([['rev-2', 'fail'], ['rev-1', 'pass']])
    const passing = (await get(`${ROUTES.dashboardAppGates('api')}?passing=true&own=false`)).json<{ data: Gate[] }>().data
    expect(passing.map((g) => g.revision)).toEqual(['rev-1'])
    expect((await get(`${ROUTES.dashboardAppGates('api')}?own=true`)).json<{ data: Gate[] }>().data).toEqual([])
    expect((await get(ROUTES.dashboardApp('payments'))).json<AppSummary>().name).toBe('payments')
  })

  it('answers 404 naming what is missing, and 400 naming the field of bad evidence; nothing is written', async () => {
    expect((await get(ROUTES.dashboardApp('nope'))).json()).toMatchObject({ code: 'LF_APP_NOT_FOUND' })
    const missing = await get(ROUTES.dashboardAppRevision('shop', 'rev-9'))
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'LF_GATE_NOT_FOUND', message: 'No gate of app "shop" recorded at revision "rev-9"' })
    const notJson = await record('{"kind": ')
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json()).toMatchObject({ code: 'LF_REQUEST_INVALID', details: { issues: [{ path: 'body.evidence' }] } })
    const bad = await record(JSON.stringify({ ...evidenceOf('rev-3', 'pass', 1), verdict: 'great' }))
    expect(bad.statusCode).toBe(400)
    expect(bad.json<{ details: { issues: Array<{ path: string }> } }>().details.issues.map((i) => i.path)).toEqual(['body.evidence.verdict'])
    expect((await get(ROUTES.dashboardAppRevision('shop', 'rev-3'))).statusCode).toBe(404)
    const badSha = await get(ROUTES.dashboardAppRevision('shop', 'a b'))
    expect(badSha.statusCode).toBe(400)
    expect(badSha.json()).toMatchObject({ code: 'LF_REQUEST_INVALID' })
  })

  it('asks the fleet to run a site now: agents see when, and unknown sites are 404', async () => {
    const site = (await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: { authorization: adminHeader, ...json },
      payload: { url: 'http://127.0.0.1:9/x', enabled: false } })).json<{ id: string }>()
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargetRun(site.id), headers: { authorization: adminHeader, ...json }, payload: {} })
    expect(res.statusCode).toBe(202)
    const { requestedAt } = res.json<{ requestedAt: string }>()
    const forAgent = (await t.store.targetsForAgent('agent-1')).find((x) => x.id === site.id)
    expect(forAgent?.runRequestedAt).toBe(requestedAt)
    const unknown = await t.app.inject({ method: 'POST', url: ROUTES.adminTargetRun('nope'), headers: { authorization: adminHeader, ...json }, payload: {} })
    expect(unknown.json()).toMatchObject({ code: 'LF_TARGET_NOT_FOUND' })
  })
})
