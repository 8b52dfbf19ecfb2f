import { generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ROUTES, type AuditEntry } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'
import { startCiIssuer, type CiIssuer } from './helpers/ci-issuer.js'

const AUDIENCE = 'https://loadfleet.example'
const MAIN = 'repo:acme/shop:ref:refs/heads/main'

describe('CI workload identity: OIDC tokens of a CI provider on 127.0.0.1, checked against trust rules', () => {
  let db: TestDatabase
  let ci: CiIssuer
  let other: CiIssuer
  let server: RunningServer
  let admin: ApiClient

  beforeAll(async () => {
    ci = await startCiIssuer()
    other = await startCiIssuer()
    db = await createTestDatabase('sqlite')
    const rules = [
      { name: 'shop releases', issuer: ci.issuer, audience: AUDIENCE, subject: 'repo:acme/shop:ref:refs/heads/*', role: 'editor' },
      { issuer: ci.issuer, audience: AUDIENCE, subject: 'repo:acme/shop:pull_request', role: 'viewer' },
    ]
    const options = serverOptionsFor(db)
    server = await startServer({
      ...options, env: { ...options.env, LOADFLEET_TRUST_RULES: JSON.stringify(rules), DASHBOARD_REQUIRE_AUTH: 'true' },
    })
    admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
    await ci.close()
    await other.close()
  })

  interface Answer { status: number, json: { id?: string, code?: string, details?: unknown } }
  async function call (method: string, path: string, jwt: string, body?: unknown): Promise<Answer> {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${jwt}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, json: await res.json() as Answer['json'] }
  }

  it('lets a main-branch token create a site as an editor, audited as the CI identity (issuer and subject)', async () => {
    const jwt = await ci.sign({ sub: MAIN, aud: AUDIENCE })
    const created = await call('POST', ROUTES.adminTargets, jwt, { url: 'http://127.0.0.1:9/ci', label: 'from CI' })
    expect(created.status).toBe(201)
    expect((await call('GET', ROUTES.dashboardTargets, jwt)).status).toBe(200)
    const audit = await admin.listAudit({ limit: 20 })
    expect(audit.data).toContainEqual(expect.objectContaining({
      action: 'create', entity: 'target', entityId: created.json.id, actor: `ci:${MAIN}@${ci.issuer.replace('http://', '')}`,
    }))
  })

  it('maps a pull request\'s token to viewer: it reads, and a write is 403 naming the edit permission', async () => {
    const jwt = await ci.sign({ sub: 'repo:acme/shop:pull_request', aud: [AUDIENCE, 'other'] })
    expect((await call('GET', ROUTES.adminTargets, jwt)).status).toBe(200)
    const denied = await call('POST', ROUTES.adminTargets, jwt, { url: 'http://127.0.0.1:9/pr' })
    expect(denied.status).toBe(403)
    expect(denied.json).toMatchObject({ code: 'LF_PERMISSION_DENIED', details: { permission: 'edit', role: 'viewer' } })
  })

  it('refuses forged, expired, wrong-audience, unmatched and untrusted tokens with 401 JSON naming the reason', async () => {
    const { privateKey: forgedKey } = await generateKeyPair('RS256')
    const now = Math.floor(Date.now() / 1000)
    const cases = [
      // Another key under the issuer's own key id, and under an id the issuer never published.
      ['invalid_signature', await ci.sign({ sub: MAIN, aud: AUDIENCE }, { key: forgedKey })],
      ['invalid_signature', await ci.sign({ sub: MAIN, aud: AUDIENCE }, { key: forgedKey, kid: 'unknown-kid' })],
      ['expired', await ci.sign({ sub: MAIN, aud: AUDIENCE, iat: now - 900, exp: now - 600 })],
      ['wrong_audience', await ci.sign({ sub: MAIN, aud: 'https://someone-else.example' })],
      ['no_matching_rule', await ci.sign({ sub: 'repo:acme/other:ref:refs/heads/main', aud: AUDIENCE })],
      ['untrusted_issuer', await other.sign({ sub: MAIN, aud: AUDIENCE })],
    ] as const
    for (const [reason, jwt] of cases) {
      const res = await call('POST', ROUTES.adminTargets, jwt, { url: 'http://127.0.0.1:9/forged' })
      expect(res.status, reason).toBe(401)
      expect(res.json, reason).toMatchObject({ code: 'LF_WORKLOAD_IDENTITY_REFUSED', details: { reason, subject: expect.any(String) as unknown } })
      expect(JSON.stringify(res.json)).not.toContain(jwt)
    }
    // Nothing a refused token asked for was done, and every refusal is in the audit trail with what it claimed.
    const sites = await admin.listTargets()
    expect(sites.data.map((s) => s.url)).not.toContain('http://127.0.0.1:9/forged')
    const audit = (await admin.listAudit({ limit: 50 })).data.filter((e: AuditEntry) => e.action === 'sign_in_failed')
    expect(audit.map((e) => e.change.reason).sort()).toEqual(cases.map(([reason]) => reason).sort())
    expect(audit[0]).toMatchObject({ actor: 'anonymous', entity: 'workload_identity',
      change: { issuer: other.issuer, subject: MAIN, route: `POST ${ROUTES.adminTargets}`, ip: '127.0.0.1' } })
  })

  it('caches the issuer\'s keys: many tokens, few JWKS fetches', async () => {
    const before = ci.jwksFetches()
    for (let i = 0; i < 5; i++) {
      expect((await call('GET', ROUTES.dashboardTargets, await ci.sign({ sub: MAIN, aud: AUDIENCE }))).status).toBe(200)
    }
    expect(ci.jwksFetches() - before).toBe(0)
    expect(ci.jwksFetches()).toBeGreaterThanOrEqual(1)
  })

  it('refuses a JWT on agent routes, which take only an agent credential', async () => {
    const jwt = await ci.sign({ sub: MAIN, aud: AUDIENCE })
    const res = await call('GET', ROUTES.agentTargets('k6agent-0'), jwt)
    expect(res.status).toBe(401)
  })
})

describe('trust rule settings', () => {
  it.each([
    ['[{"issuer":"http://ci.example","audience":"a","subject":"*","role":"admin"}]', /\[0\]\.issuer: issuer http:\/\/ci\.example must be https/],
    ['[{"issuer":"https://ci.example","audience":"a","subject":"*","role":"owner"}]', /\[0\]\.role/],
    ['{"issuer":1}', /expected array/],
    ['not json', /expected a JSON array/],
  ])('refuses %s at start, naming the setting', async (rules, message) => {
    const db = await createTestDatabase('sqlite')
    try {
      const options = serverOptionsFor(db)
      await expect(startServer({ ...options, env: { LOADFLEET_TRUST_RULES: rules } })).rejects.toMatchObject({
        code: 'LF_SETTINGS_INVALID', message: expect.stringMatching(message) as unknown,
        details: { setting: 'LOADFLEET_TRUST_RULES' },
      })
    } finally {
      await db.drop()
    }
  })
})
