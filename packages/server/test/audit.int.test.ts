import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, type AuditEntry } from '@loadfleet/api'
import { accessOf } from '../src/http/access.js'
import { adminHeader, createInjectApp, enrolAgent, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }
const SECRET_VALUE = 'Bearer audit-must-never-show-this'

/** One mutating request, as an admin makes it; `id` values come from what the earlier steps created. */
interface Step {
  route: string, url: () => string, body?: () => unknown, expect: Partial<AuditEntry>
  /** What must exist just before the request, made as the control plane's own parts would make it. */
  prepare?: () => Promise<void>
}

describe.each(['sqlite', 'postgres'] as const)('the audit trail on %s', (kind) => {
  let t: InjectApp
  const ids = { target: '', run: '', change: '', channel: '', rule: '', silence: '', token: '', browserSite: '' }

  const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    await t.app.inject({
      method: method as 'GET', url, remoteAddress: '192.0.2.7',
      headers: { authorization: adminHeader, ...(body === undefined ? {} : json), ...headers },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    })
  const newest = async (): Promise<AuditEntry | undefined> => (await t.store.repos.audit.list({ limit: 1 })).data[0]

  beforeAll(async () => { t = await createInjectApp({ kind }) })
  afterAll(async () => { await t.close() })

  // Every mutating route of the route table, in an order where each finds what it acts on.
  const steps: Step[] = [
    { route: 'POST /api/admin/k6/targets', url: () => ROUTES.adminTargets,
      body: () => ({ url: 'http://127.0.0.1:9/a', label: 'Audited', secretHeaders: { Authorization: SECRET_VALUE } }),
      expect: { action: 'create', entity: 'target' } },
    { route: 'PATCH /api/admin/k6/targets/:id', url: () => ROUTES.adminTarget(ids.target),
      body: () => ({ label: 'Audited again', secretHeaders: { Authorization: `${SECRET_VALUE}-2` } }),
      expect: { action: 'update', entity: 'target',
        change: { label: { from: 'Audited', to: 'Audited again' }, secretHeaders: { set: ['Authorization'], removed: [] } } } },
    { route: 'POST /api/admin/k6/distributed-runs', url: () => ROUTES.adminDistributedRuns,
      body: () => ({ test: { file: 'split.yaml', source: 'options:\n  vus: 2\n  duration: 1s\nrequests:\n  - url: http://127.0.0.1:9/\n' }, agents: 2 }),
      expect: { action: 'create', entity: 'distributed_run', change: { file: 'split.yaml', agents: 2 } } },
    { route: 'PUT /api/admin/k6/targets/:id/baseline', url: () => ROUTES.adminTargetBaseline(ids.target),
      body: () => ({ runIds: [ids.run] }), expect: { action: 'pin', entity: 'baseline' } },
    { route: 'DELETE /api/admin/k6/targets/:id/baseline', url: () => ROUTES.adminTargetBaseline(ids.target),
      expect: { action: 'unpin', entity: 'baseline' } },
    { route: 'POST /api/admin/k6/targets/:id/changes/:changeId/accept',
      url: () => ROUTES.adminTargetChangeAccept(ids.target, ids.change), body: () => ({}), expect: { action: 'accept', entity: 'change' },
      // An open change, as the detector records one (a baseline pinned or unpinned resolves open changes at once).
      prepare: async () => {
        ids.change = randomUUID()
        await t.store.db.insertInto('changes').values({
          id: ids.change, target_id: ids.target, metric: 'p95', direction: 'increase', state: 'open', started_run_id: ids.run,
          started_at: Date.now(), detected_at: Date.now(), detected_run_id: ids.run,
          resolved_at: null, accepted_at: null,
          details_json: '{}', last_seen_run_id: ids.run,
        }).execute()
      } },
    { route: 'PUT /api/admin/config', url: () => ROUTES.adminConfig, body: () => ({ k6DesiredAgentCount: 3 }),
      expect: { action: 'update', entity: 'config', change: { k6DesiredAgentCount: { from: 0, to: 3 } } } },
    { route: 'POST /api/admin/fleet/reconcile', url: () => ROUTES.adminFleetReconcile, body: () => ({}),
      expect: { action: 'reconcile', entity: 'fleet' } },
    { route: 'POST /api/admin/apply', url: () => ROUTES.adminApply,
      body: () => ({ targets: [{ url: 'http://127.0.0.1:9/app', labels: { app: 'shop', test: 'home' } }], revision: 'abc123' }),
      expect: { action: 'apply', entity: 'apps', entityId: 'abc123', change: { revision: 'abc123', created: 1, updated: 0, deleted: 0 } } },
    { route: 'POST /api/admin/k6/targets/:id/run', url: () => ROUTES.adminTargetRun(ids.target), body: () => ({}),
      expect: { action: 'run', entity: 'target' } },
    { route: 'POST /api/admin/gates', url: () => ROUTES.adminGates,
      body: () => ({ evidence: JSON.stringify({
        kind: 'loadfleet.dev/v1/GateEvidence', app: 'shop', revision: 'abc123', verdict: 'pass', mode: 'local',
        startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z',
        identity: { user: 'ci', host: 'runner', ci: null }, order: ['shop'], baseline: null,
        apps: [{ name: 'shop', parent: null, file: 'app.yaml', dependsOn: [], status: 'pass', reason: null,
          startedAt: null, finishedAt: null, settings: {}, tests: [] }],
      }) }),
      expect: { action: 'gate', entity: 'app', entityId: 'shop',
        change: expect.objectContaining({ revision: 'abc123', verdict: 'pass' }) as Record<string, unknown> } },
    { route: 'POST /api/admin/alerts/channels', url: () => ROUTES.adminAlertChannels,
      body: () => ({ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook?key=s3cret-in-url', secret: 'signing-s3cret' }),
      expect: { action: 'create', entity: 'alert_channel' } },
    { route: 'PATCH /api/admin/alerts/channels/:id', url: () => ROUTES.adminAlertChannel(ids.channel),
      body: () => ({ name: 'ops-2' }), expect: { action: 'update', entity: 'alert_channel' } },
    { route: 'POST /api/admin/alerts/channels/:id/test', url: () => ROUTES.adminAlertChannelTest(ids.channel),
      body: () => ({}), expect: { action: 'test', entity: 'alert_channel' } },
    { route: 'POST /api/admin/alerts/rules', url: () => ROUTES.adminAlertRules,
      body: () => ({ name: 'Slow', condition: 'p95 > 100ms' }), expect: { action: 'create', entity: 'alert_rule' } },
    { route: 'PATCH /api/admin/alerts/rules/:id', url: () => ROUTES.adminAlertRule(ids.rule), body: () => ({ k: 1, m: 2 }),
      expect: { action: 'update', entity: 'alert_rule', change: { m: { from: 1, to: 2 } } } },
    { route: 'DELETE /api/admin/alerts/rules/:id', url: () => ROUTES.adminAlertRule(ids.rule),
      expect: { action: 'delete', entity: 'alert_rule' } },
    { route: 'POST /api/admin/alerts/silences', url: () => ROUTES.adminSilences,
      body: () => ({ matchers: [{ name: 'site_id', value: ids.target }], endsAt: new Date(Date.now() + 3_600_000).toISOString() }),
      expect: { action: 'create', entity: 'silence' } },
    { route: 'DELETE /api/admin/alerts/silences/:id', url: () => ROUTES.adminSilence(ids.silence),
      expect: { action: 'delete', entity: 'silence' } },
    { route: 'DELETE /api/admin/alerts/channels/:id', url: () => ROUTES.adminAlertChannel(ids.channel),
      expect: { action: 'delete', entity: 'alert_channel' } },
    { route: 'POST /api/admin/tokens', url: () => ROUTES.adminTokens, body: () => ({ name: 'ci', role: 'editor' }),
      expect: { action: 'create', entity: 'api_token' } },
    { route: 'DELETE /api/admin/tokens/:id', url: () => ROUTES.adminToken(ids.token),
      expect: { action: 'delete', entity: 'api_token' } },
    { route: 'DELETE /api/admin/k6/targets/:id', url: () => ROUTES.adminTarget(ids.target),
      expect: { action: 'delete', entity: 'target' } },
    { route: 'POST /api/admin/browser/sites', url: () => ROUTES.adminBrowserSites,
      body: () => ({ url: 'http://127.0.0.1:9/page', check: { steps: [{ click: '#buy' }] } }),
      expect: { action: 'create', entity: 'browser_site' } },
    { route: 'PATCH /api/admin/browser/sites/:id', url: () => ROUTES.adminBrowserSite(ids.browserSite),
      body: () => ({ label: 'Checked' }), expect: { action: 'update', entity: 'browser_site' } },
    { route: 'DELETE /api/admin/browser/sites/:id', url: () => ROUTES.adminBrowserSite(ids.browserSite),
      expect: { action: 'delete', entity: 'browser_site' } },
  ]

  it('has a step for every mutating route a user can call (a new route needs one here)', () => {
    const mutating = t.app.routeTable
      .filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
      .filter((r) => ['edit', 'admin'].includes(accessOf(r.method, r.url) ?? ''))
      .map((r) => `${r.method} ${r.url}`)
    expect(steps.map((s) => s.route).sort()).toEqual([...new Set(mutating)].sort())
  })

  it('records every change: who, from which address, what changed — secrets by name only', async () => {
    for (const step of steps) {
      const [method = ''] = step.route.split(' ')
      await step.prepare?.()
      const before = (await newest())?.id ?? 0
      const res = await send(method, step.url(), step.body?.())
      expect(res.statusCode, `${step.route}: ${res.body}`).toBeLessThan(300)
      const entry = await newest()
      expect(entry?.id ?? 0, `${step.route} wrote an audit entry`).toBeGreaterThan(before)
      expect(entry, step.route).toMatchObject({ actor: 'admin', address: '192.0.2.7', ...step.expect })
      const created = res.body === '' ? {} : res.json<{ id?: string }>()
      if (step.route === 'POST /api/admin/k6/targets') {
        ids.target = created.id ?? ''
        // A finished run to pin, as an agent reports one.
        const agent = await enrolAgent(t.app, 'audit-agent')
        ids.run = randomUUID()
        const headers = { ...json, authorization: agent }
        await t.app.inject({ method: 'POST', url: ROUTES.agentRunStart('audit-agent'), headers, payload: { id: ids.run, targetId: ids.target } })
        const finished = await t.app.inject({
          method: 'POST', url: ROUTES.agentRunFinish('audit-agent', ids.run), headers,
          payload: { status: 'passed', metrics: { p50_ms: 1, p95_ms: 2, p99_ms: 3, avg_ms: 1, error_rate: 0, rps: 1, data_received_bytes: 1, iterations: 1 } },
        })
        expect(finished.statusCode, finished.body).toBe(200)
      }
      if (step.route === 'POST /api/admin/alerts/channels') ids.channel = created.id ?? ''
      if (step.route === 'POST /api/admin/alerts/rules') ids.rule = created.id ?? ''
      if (step.route === 'POST /api/admin/alerts/silences') ids.silence = created.id ?? ''
      if (step.route === 'POST /api/admin/tokens') ids.token = created.id ?? ''
      if (step.route === 'POST /api/admin/browser/sites') ids.browserSite = created.id ?? ''
    }
    const exported = await send('GET', ROUTES.adminAuditExport)
    for (const secret of [SECRET_VALUE, 's3cret-in-url', 'signing-s3cret']) expect(exported.body).not.toContain(secret)
    // Each site an apply creates has its own entry, with the revision it came from.
    const applied = (await t.store.repos.audit.list({ limit: 50, entity: 'target', action: 'create' })).data[0]
    expect(applied?.change).toMatchObject({ revision: 'abc123', labels: { app: 'shop', test: 'home' } })
  })

  it('records refused sign-ins with the name tried and the address, never the password', async () => {
    const wrong = `Basic ${Buffer.from('mallory:not-the-password').toString('base64')}`
    const res = await send('GET', ROUTES.adminTargets, undefined, { authorization: wrong })
    expect(res.statusCode).toBe(401)
    await expect.poll(async () => (await t.store.repos.audit.list({ limit: 5, action: 'sign_in_failed' })).data[0])
      .toMatchObject({ actor: 'user:mallory', address: '192.0.2.7', entity: 'route', change: { route: 'GET /api/admin/k6/targets' } })
    expect(JSON.stringify((await t.store.repos.audit.list({ limit: 200 })).data)).not.toContain('not-the-password')
    // A signed-out dashboard sends nothing: not an attempt.
    const before = (await t.store.repos.audit.list({ limit: 200, action: 'sign_in_failed' })).data.length
    await t.app.inject({ method: 'GET', url: ROUTES.adminTargets })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await t.store.repos.audit.list({ limit: 200, action: 'sign_in_failed' })).data).toHaveLength(before)
  })

  it('filters by actor, action, entity, subject and time; refuses a bad time naming the field', async () => {
    const byEntity = await send('GET', `${ROUTES.adminAudit}?entity=alert_rule&limit=200`)
    expect(byEntity.json<{ data: AuditEntry[] }>().data.map((e) => e.action)).toEqual(['delete', 'update', 'create'])
    const one = await send('GET', `${ROUTES.adminAudit}?entity=target&entityId=${ids.target}&action=update`)
    expect(one.json<{ data: AuditEntry[] }>().data).toHaveLength(1)
    const future = await send('GET', `${ROUTES.adminAudit}?since=${new Date(Date.now() + 60_000).toISOString()}`)
    expect(future.json<{ data: AuditEntry[] }>().data).toEqual([])
    const byActor = await send('GET', `${ROUTES.adminAudit}?actor=user:mallory`)
    expect(byActor.json<{ data: AuditEntry[] }>().data.every((e) => e.action === 'sign_in_failed')).toBe(true)
    const bad = await send('GET', `${ROUTES.adminAudit}?since=yesterday`)
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ details: { issues: [{ path: 'querystring.since', message: 'expected an ISO-8601 time' }] } })
  })

  it('exports the trail as JSON lines, oldest first, with the same filters', async () => {
    const res = await send('GET', `${ROUTES.adminAuditExport}?entity=alert_rule`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/)
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="loadfleet-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/)
    const lines = res.body.trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEntry)
    expect(lines.map((e) => e.action)).toEqual(['create', 'update', 'delete'])
    const all = (await send('GET', ROUTES.adminAuditExport)).body.trimEnd().split('\n')
    expect(all.length).toBe((await t.store.repos.audit.list({ limit: 200 })).data.length)
    const viewer = await send('GET', ROUTES.adminAuditExport, undefined, { authorization: 'Basic eDp5' })
    expect(viewer.statusCode).toBe(401)
  })
})
