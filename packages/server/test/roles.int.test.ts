import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, type ApiToken, type ApiTokenCreated, type AuditEntry, type Role } from '@loadfleet/api'
import { ROLE_PERMISSIONS, ROUTE_ACCESS, accessOf } from '../src/http/access.js'
import { adminHeader, createInjectApp, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }
const ROLE_NAMES: Role[] = ['viewer', 'editor', 'admin']

async function createToken (t: InjectApp, body: Record<string, unknown>): Promise<ApiTokenCreated> {
  const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTokens, headers: { ...json, authorization: adminHeader }, payload: body })
  expect(res.statusCode).toBe(201)
  return res.json<ApiTokenCreated>()
}

/** A route pattern as a regular expression, to find which registered route a concrete path hits. */
function patternOf (url: string): RegExp {
  return new RegExp(`^${url.replace(/:[A-Za-z]+/g, '[^/]+')}$`)
}

describe('the role matrix: every route of the route table against every role', () => {
  let t: InjectApp
  const tokens = {} as Record<Role, string>

  beforeAll(async () => {
    t = await createInjectApp({ dashboardRequireAuth: true })
    for (const role of ROLE_NAMES) tokens[role] = (await createToken(t, { name: `matrix-${role}`, role })).token
  })
  afterAll(async () => { await t.close() })

  it('classifies every registered route and every path of ROUTES, and lists no route that does not exist', () => {
    const table = t.app.routeTable
    const apiRoutes = table.filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs'))
    expect(apiRoutes.length).toBeGreaterThan(40)
    for (const route of table) expect(accessOf(route.method, route.url), `${route.method} ${route.url}`).toBeDefined()
    for (const key of Object.keys(ROUTE_ACCESS)) {
      const [method, url] = key.split(' ')
      expect(table.some((r) => r.method === method && r.url === url), `${key} is registered`).toBe(true)
    }
    for (const [name, path] of Object.entries(ROUTES)) {
      const concrete = typeof path === 'function' ? path('a1', 'b2') : path
      expect(table.some((r) => patternOf(r.url).test(concrete)), `ROUTES.${name} (${concrete}) is served`).toBe(true)
    }
  })

  it('lets each role through exactly the routes its permissions cover; a 403 names the missing permission', async () => {
    const checked: string[] = []
    for (const route of t.app.routeTable) {
      const access = accessOf(route.method, route.url)
      if (access !== 'read' && access !== 'edit' && access !== 'admin') continue
      const url = route.url.replace(/:[A-Za-z]+/g, 'no-such-id')
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method)
      for (const role of ROLE_NAMES) {
        const res = await t.app.inject({
          method: route.method as 'GET', url,
          headers: { ...(hasBody ? json : {}), authorization: `Bearer ${tokens[role]}` },
          ...(hasBody ? { payload: {} } : {}),
        })
        const label = `${role} → ${route.method} ${route.url} (${res.statusCode})`
        if (ROLE_PERMISSIONS[role].includes(access)) {
          expect([401, 403], label).not.toContain(res.statusCode)
        } else {
          expect(res.statusCode, label).toBe(403)
          if (route.method !== 'HEAD') {
            expect(res.json(), label).toMatchObject({
              code: 'LF_PERMISSION_DENIED',
              message: expect.stringContaining(`"${access}" permission`) as unknown,
              details: { permission: access, role, route: `${route.method} ${route.url}` },
            })
          }
        }
        checked.push(label)
      }
    }
    expect(checked.length).toBeGreaterThan(100)
    // Each denial is in the audit trail, with who was refused what.
    const audit = await t.app.inject({ method: 'GET', url: `${ROUTES.adminAudit}?limit=200`, headers: { authorization: adminHeader } })
    const denials = audit.json<{ data: AuditEntry[] }>().data.filter((e) => e.action === 'deny')
    expect(denials).toContainEqual(expect.objectContaining({
      actor: 'token:matrix-viewer', entity: 'route',
      change: expect.objectContaining({ permission: 'admin', role: 'viewer', route: 'POST /api/admin/tokens' }) as unknown,
    }))
  })

  it('takes no user token on agent routes, and the break-glass admin still works everywhere', async () => {
    const agentRoute = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('a1'), headers: { authorization: `Bearer ${tokens.admin}` } })
    expect(agentRoute.statusCode).toBe(401)
    for (const url of [ROUTES.adminTokens, ROUTES.adminAudit, ROUTES.dashboardTargets]) {
      expect((await t.app.inject({ method: 'GET', url, headers: { authorization: adminHeader } })).statusCode).toBe(200)
    }
  })
})

describe.each(['sqlite', 'postgres'] as const)('API tokens on %s', (kind) => {
  let t: InjectApp

  beforeAll(async () => { t = await createInjectApp({ kind }) })
  afterAll(async () => { await t.close() })

  const get = (url: string, token: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })

  it('answers the token once, lists it without it, stores only its SHA-256, and records its use', async () => {
    const created = await createToken(t, { name: 'ci', role: 'editor', expiresInDays: 30 })
    expect(created.token).toMatch(/^lf_[A-Za-z0-9_-]{43}$/)
    const list = await t.app.inject({ method: 'GET', url: ROUTES.adminTokens, headers: { authorization: adminHeader } })
    expect(list.body).not.toContain(created.token)
    const listed = list.json<{ data: ApiToken[] }>().data.find((x) => x.id === created.id)
    expect(listed).toMatchObject({ name: 'ci', role: 'editor', createdBy: 'admin', lastUsedAt: null })
    expect(Date.parse(listed?.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000)
    const row = await t.store.db.selectFrom('api_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'))
    expect(JSON.stringify(row)).not.toContain(created.token.slice(3))
    if (kind === 'sqlite') {
      const file = join(t.dataDir, 'loadfleet.db')
      const bytes = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('')
      expect(bytes).toContain(row.token_hash)
      expect(bytes).not.toContain(created.token.slice(3))
    }
    expect((await get(ROUTES.adminTargets, created.token)).statusCode).toBe(200)
    const used = (await t.store.repos.tokens.get(created.id))?.lastUsedAt
    expect(Date.parse(used ?? '')).toBeGreaterThan(Date.now() - 60_000)
    const audit = await t.app.inject({ method: 'GET', url: ROUTES.adminAudit, headers: { authorization: adminHeader } })
    expect(audit.body).not.toContain(created.token)
    expect(audit.json<{ data: AuditEntry[] }>().data.some((e) => e.entity === 'api_token' && e.entityId === created.id)).toBe(true)
  })

  it('records a token\'s writes under its name in the audit trail', async () => {
    const { token } = await createToken(t, { name: 'deployer', role: 'editor' })
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets, headers: { ...json, authorization: `Bearer ${token}` }, payload: { url: 'http://127.0.0.1:9/' },
    })
    expect(res.statusCode).toBe(201)
    const [entry] = (await t.store.repos.audit.list({ limit: 1 })).data
    expect(entry).toMatchObject({ actor: 'token:deployer', entity: 'target', action: 'create' })
  })

  it('a revoked token stops working at once; a second revoke is 404', async () => {
    const { id, token } = await createToken(t, { name: 'short-lived', role: 'viewer' })
    expect((await get(ROUTES.adminTargets, token)).statusCode).toBe(200)
    const del = await t.app.inject({ method: 'DELETE', url: ROUTES.adminToken(id), headers: { authorization: adminHeader } })
    expect(del.statusCode).toBe(204)
    const after = await get(ROUTES.adminTargets, token)
    expect(after.statusCode).toBe(401)
    expect(after.json()).toMatchObject({ code: 'LF_UNAUTHORIZED' })
    const again = await t.app.inject({ method: 'DELETE', url: ROUTES.adminToken(id), headers: { authorization: adminHeader } })
    expect(again.json()).toMatchObject({ code: 'LF_API_TOKEN_NOT_FOUND' })
  })

  it('refuses an expired, an unknown and a malformed token with 401', async () => {
    const { id, token } = await createToken(t, { name: 'expiring', role: 'admin', expiresInDays: 1 })
    expect((await get(ROUTES.adminTargets, token)).statusCode).toBe(200)
    await t.store.db.updateTable('api_tokens').set({ expires_at: Date.now() - 1 }).where('id', '=', id).execute()
    expect((await get(ROUTES.adminTargets, token)).statusCode).toBe(401)
    const unknown = `lf_${'A'.repeat(43)}`
    expect((await get(ROUTES.adminTargets, unknown)).statusCode).toBe(401)
    expect((await get(ROUTES.adminTargets, 'lf_short')).statusCode).toBe(401)
  })

  it.each([
    [{ name: 'x', role: 'owner' }, 'body.role'],
    [{ name: '', role: 'viewer' }, 'body.name'],
    [{ name: 'x', role: 'viewer', expiresInDays: 0 }, 'body.expiresInDays'],
    [{ name: 'x', role: 'viewer', scope: {} }, 'body.scope'],
  ])('refuses %o with 400 naming %s', async (payload, path) => {
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTokens, headers: { ...json, authorization: adminHeader }, payload })
    expect(res.statusCode).toBe(400)
    const issues = res.json<{ details: { issues: Array<{ path: string }> } }>().details.issues
    expect(issues.map((i) => i.path)).toContain(path)
  })
})
