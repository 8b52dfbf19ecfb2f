import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import type { Store } from '../src/db/store.js'
import { adminHeader, createInjectApp, tableCounts, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json', authorization: adminHeader }
const auth = { authorization: adminHeader }
const SECRET = 'super-secret-signing-key'
const future = new Date(Date.now() + 3_600_000).toISOString()

async function counts (store: Store): Promise<Record<string, number>> {
  const all = await tableCounts(store)
  for (const table of ['alert_rules', 'alert_channels', 'alert_silences', 'alerts', 'alert_notifications'] as const) {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    all[table] = Number(row.n)
  }
  return all
}

const badInputs: Array<[string, string, string, unknown, string]> = [
  ['channel ftp url', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'webhook', url: 'ftp://example.com/hook' }, 'body.url'],
  ['channel javascript url', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'webhook', url: 'javascript:alert(1)' }, 'body.url'],
  ['channel file url', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'slack', url: 'file:///etc/passwd' }, 'body.url'],
  ['channel unknown type', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'email', url: 'http://e.com' }, 'body.type'],
  ['channel missing name', 'POST', ROUTES.adminAlertChannels, { type: 'webhook', url: 'http://e.com' }, 'body.name'],
  ['channel short secret', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'webhook', url: 'http://e.com', secret: 'abc' }, 'body.secret'],
  ['channel secret on slack', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'slack', url: 'http://e.com', secret: 'abcdefghij' }, 'body.secret'],
  ['channel negative repeat', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'webhook', url: 'http://e.com', repeatIntervalMs: -1 }, 'body.repeatIntervalMs'],
  ['channel unknown field', 'POST', ROUTES.adminAlertChannels, { name: 'x', type: 'webhook', url: 'http://e.com', color: 'red' }, 'body.color'],
  ['channel patch bad url', 'PATCH', ROUTES.adminAlertChannel('CHANNEL'), { url: 'gopher://e.com' }, 'body.url'],
  ['channel patch empty', 'PATCH', ROUTES.adminAlertChannel('CHANNEL'), {}, 'body'],
  ['rule bad condition', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'p95 is high' }, 'body.condition'],
  ['rule latency as percent', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'p95 > 50%' }, 'body.condition'],
  ['rule unknown regression metric', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'regression(p42)' }, 'body.condition'],
  ['rule k above m', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'failed', k: 3, m: 2 }, 'body.k'],
  ['rule m zero', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'failed', m: 0 }, 'body.m'],
  ['rule bad severity', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'failed', severity: 'page' }, 'body.severity'],
  ['rule bad label name', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'failed', labels: { '1team': 'x' } }, 'body.labels.1team'],
  ['rule unknown target', 'POST', ROUTES.adminAlertRules, { name: 'r', condition: 'failed', targetId: 'nope' }, 'body.targetId'],
  ['rule missing name', 'POST', ROUTES.adminAlertRules, { condition: 'failed' }, 'body.name'],
  ['rule patch k above stored m', 'PATCH', ROUTES.adminAlertRule('builtin-failing'), { k: 5 }, 'body.k'],
  ['silence no matchers', 'POST', ROUTES.adminSilences, { matchers: [], endsAt: future }, 'body.matchers'],
  ['silence bad end', 'POST', ROUTES.adminSilences, { matchers: [{ name: 'site_id', value: 'x' }], endsAt: 'tomorrow' }, 'body.endsAt'],
  ['silence end in the past', 'POST', ROUTES.adminSilences, { matchers: [{ name: 'site_id', value: 'x' }], endsAt: '2001-01-01T00:00:00Z' }, 'body.endsAt'],
  ['silence bad matcher name', 'POST', ROUTES.adminSilences, { matchers: [{ name: 'site id', value: 'x' }], endsAt: future }, 'body.matchers.0.name'],
  ['silence unknown field', 'POST', ROUTES.adminSilences, { matchers: [{ name: 'a', value: 'x' }], endsAt: future, why: 1 }, 'body.why'],
  ['target bad label', 'POST', ROUTES.adminTargets, { url: 'http://e.com', labels: { team: 5 } }, 'body.labels.team'],
]

describe.each(['sqlite', 'postgres'] as const)('alert admin routes on %s', (kind) => {
  let t: InjectApp
  let channelId: string

  beforeAll(async () => {
    t = await createInjectApp({ kind })
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminAlertChannels, headers: json,
      payload: { name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: SECRET },
    })
    expect(res.statusCode).toBe(201)
    channelId = res.json<{ id: string }>().id
  })
  afterAll(async () => { await t.close() })

  it.each(badInputs)('%s: 400 naming the field, nothing written', async (_name, method, url, body, path) => {
    const before = await counts(t.store)
    const res = await t.app.inject({ method: method as 'POST', url: url.replace('CHANNEL', channelId), headers: json, payload: JSON.stringify(body) })
    expect(res.statusCode).toBe(400)
    const payload = res.json<{ code: string, details: { issues: Array<{ path: string }> } }>()
    expect(payload.code).toBe('LF_REQUEST_INVALID')
    expect(payload.details.issues.map((i) => i.path)).toContain(path)
    expect(await counts(t.store)).toEqual(before)
  })

  it('never returns or audits a channel secret, only secretSet', async () => {
    const list = await t.app.inject({ method: 'GET', url: ROUTES.adminAlertChannels, headers: json })
    expect(list.body).not.toContain(SECRET)
    expect(list.json<{ data: Array<{ secretSet: boolean }> }>().data[0]?.secretSet).toBe(true)
    const patched = await t.app.inject({ method: 'PATCH', url: ROUTES.adminAlertChannel(channelId), headers: json, payload: { secret: `${SECRET}-2` } })
    expect(patched.statusCode).toBe(200)
    expect(patched.body).not.toContain(SECRET)
    const audit = await t.app.inject({ method: 'GET', url: ROUTES.adminAudit, headers: json })
    expect(audit.body).not.toContain(SECRET)
    expect(audit.body).toContain('alert_channel')
  })

  it('hides a Slack URL\'s path, which is its credential', async () => {
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminAlertChannels, headers: json,
      payload: { name: 'slack', type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' },
    })
    expect(res.json<{ url: string }>().url).toBe('https://hooks.slack.com/…')
    expect(res.body).not.toContain('XXXXSECRET')
  })

  it('keeps channel secrets and URLs sealed at rest (AES-256-GCM), and still shows and uses them', async () => {
    const rows = await t.store.db.selectFrom('alert_channels').select(['url', 'secret']).execute()
    expect(rows.length).toBeGreaterThanOrEqual(2)
    for (const row of rows) {
      expect(row.url).toMatch(/^lfenc1\./)
      if (row.secret !== null) expect(row.secret).toMatch(/^lfenc1\./)
      expect(JSON.stringify(row)).not.toMatch(/super-secret|XXXXSECRET|hooks\.slack\.com|127\.0\.0\.1/)
    }
    if (kind === 'sqlite') {
      // The database file itself, write-ahead log included: what a stolen backup would show.
      const file = `${t.dataDir}/loadfleet.db`
      const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)))
      expect(bytes.includes('super-secret')).toBe(false)
      expect(bytes.includes('XXXXSECRET')).toBe(false)
    }
    const list = await t.app.inject({ method: 'GET', url: ROUTES.adminAlertChannels, headers: json })
    expect(list.json<{ data: Array<{ url: string }> }>().data.map((c) => c.url)).toContain('http://127.0.0.1:9/hook')
  })

  it('lists the built-in rules, refuses to delete them, lets them be disabled; custom rules come and go', async () => {
    const rules = (await t.app.inject({ method: 'GET', url: ROUTES.adminAlertRules, headers: json })).json<{ data: Array<{ id: string, builtIn: boolean, condition: string }> }>().data
    expect(rules.filter((r) => r.builtIn).map((r) => r.condition).sort()).toEqual(['failed', 'no_run > 3x', 'regression(p95, error_rate)'])
    const del = await t.app.inject({ method: 'DELETE', url: ROUTES.adminAlertRule('builtin-failing'), headers: auth })
    expect(del.statusCode).toBe(409)
    expect(del.json<{ code: string }>().code).toBe('LF_ALERT_RULE_BUILT_IN')
    const off = await t.app.inject({ method: 'PATCH', url: ROUTES.adminAlertRule('builtin-failing'), headers: json, payload: { enabled: false } })
    expect(off.json<{ enabled: boolean }>().enabled).toBe(false)
    const created = await t.app.inject({ method: 'POST', url: ROUTES.adminAlertRules, headers: json, payload: { name: 'Slow', condition: 'p95 > +50%', k: 2, m: 3 } })
    expect(created.statusCode).toBe(201)
    const id = created.json<{ id: string }>().id
    expect((await t.app.inject({ method: 'DELETE', url: ROUTES.adminAlertRule(id), headers: auth })).statusCode).toBe(204)
    expect((await t.app.inject({ method: 'DELETE', url: ROUTES.adminAlertRule(id), headers: auth })).statusCode).toBe(404)
  })

  it('expires a deleted silence and keeps it listed; an unknown one is 404', async () => {
    const created = await t.app.inject({ method: 'POST', url: ROUTES.adminSilences, headers: json, payload: { matchers: [{ name: 'site_id', value: 'x' }], endsAt: future } })
    expect(created.statusCode).toBe(201)
    const id = created.json<{ id: string }>().id
    expect((await t.app.inject({ method: 'DELETE', url: ROUTES.adminSilence(id), headers: auth })).statusCode).toBe(204)
    const list = (await t.app.inject({ method: 'GET', url: ROUTES.adminSilences, headers: json })).json<{ data: Array<{ id: string, state: string }> }>().data
    expect(list.find((s) => s.id === id)?.state).toBe('expired')
    expect((await t.app.inject({ method: 'DELETE', url: ROUTES.adminSilence('missing'), headers: auth })).statusCode).toBe(404)
  })

  it('requires admin credentials for every alert admin route', async () => {
    for (const url of [ROUTES.adminAlertChannels, ROUTES.adminAlertRules, ROUTES.adminSilences]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401)
    }
  })

  it('documents every alert route in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{ paths: Record<string, unknown> }>()
    for (const path of ['/api/admin/alerts/channels', '/api/admin/alerts/channels/{id}', '/api/admin/alerts/channels/{id}/test',
      '/api/admin/alerts/rules', '/api/admin/alerts/rules/{id}', '/api/admin/alerts/silences', '/api/admin/alerts/silences/{id}',
      '/api/dashboard/alerts']) {
      expect(doc.paths[path]).toBeDefined()
    }
  })
})
