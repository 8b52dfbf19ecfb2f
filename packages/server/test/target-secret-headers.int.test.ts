import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, type AgentTarget, type AuditEntry, type Target } from '@loadfleet/api'
import { adminHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'

const admin = { 'content-type': 'application/json', authorization: adminHeader }
// Distinctive plaintexts, so finding one anywhere is never a coincidence.
const BEARER = 'Bearer plaintext-Zq7vX2-bearer'
const API_KEY = 'plaintext-Kp4wY9-apikey'
const ROTATED = 'Bearer plaintext-Rt5uW1-rotated'
const PLAINTEXTS = ['plaintext-Zq7vX2', 'plaintext-Kp4wY9', 'plaintext-Rt5uW1']

function expectNoPlaintext (text: string): void {
  for (const plain of PLAINTEXTS) expect(text).not.toContain(plain)
}

describe.each(['sqlite', 'postgres'] as const)('target secret headers on %s', (kind) => {
  let t: InjectApp
  let target: Target
  let agent: string
  const logs: string[] = []

  beforeAll(async () => {
    const logStream = new PassThrough()
    logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
    t = await createInjectApp({ kind, logStream })
    agent = await enrolAgent(t.app, 'agent-secrets')
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets, headers: admin,
      payload: {
        url: 'http://127.0.0.1:9/', headers: { Accept: 'application/json' },
        secretHeaders: { 'Authorization': BEARER, 'X-Api-Key': API_KEY, 'X-From-Env': 'env:SHOP_TOKEN' },
      },
    })
    expect(res.statusCode).toBe(201)
    target = res.json<Target>()
  })
  afterAll(async () => { await t.close() })

  it('answers the names and when each changed, never a value', () => {
    expect(target.headers).toEqual({ Accept: 'application/json' })
    expect(target.secretHeaderNames).toEqual(['Authorization', 'X-Api-Key', 'X-From-Env'])
    expect(Object.keys(target.secretHeadersChangedAt ?? {})).toEqual(['Authorization', 'X-Api-Key', 'X-From-Env'])
    expect(Date.parse(target.secretHeadersChangedAt?.Authorization ?? '')).toBeGreaterThan(Date.now() - 60_000)
    expect(JSON.stringify(target)).not.toContain('plaintext')
    expect(JSON.stringify(target)).not.toContain('SHOP_TOKEN')
  })

  it('a patch sets one, removes another with null and keeps the rest', async () => {
    const before = target.secretHeadersChangedAt ?? {}
    await new Promise((resolve) => setTimeout(resolve, 5))
    const res = await t.app.inject({
      method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin,
      payload: { secretHeaders: { 'Authorization': ROTATED, 'X-From-Env': null } },
    })
    expect(res.statusCode).toBe(200)
    const after = res.json<Target>()
    expect(after.secretHeaderNames).toEqual(['Authorization', 'X-Api-Key'])
    expect(after.secretHeadersChangedAt?.['X-Api-Key']).toBe(before['X-Api-Key'])
    expect(Date.parse(after.secretHeadersChangedAt?.Authorization ?? '')).toBeGreaterThan(Date.parse(before.Authorization ?? ''))
    // Another field alone leaves every secret header as it was.
    const label = await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { label: 'shop' } })
    expect(label.json<Target>().secretHeadersChangedAt).toEqual(after.secretHeadersChangedAt)
  })

  it('sends the values to agents only, on their own route, and only for enabled targets', async () => {
    const poll = async (): Promise<AgentTarget | undefined> => {
      const res = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('agent-secrets'), headers: { authorization: agent } })
      expect(res.statusCode).toBe(200)
      return res.json<{ data: AgentTarget[] }>().data.find((x) => x.id === target.id)
    }
    expect((await poll())?.secretHeaders).toEqual({ 'Authorization': ROTATED, 'X-Api-Key': API_KEY })
    await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { enabled: false } })
    expect((await poll())?.secretHeaders).toBeUndefined()
    await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { enabled: true } })
    expect((await poll())?.secretHeaders).toMatchObject({ 'X-Api-Key': API_KEY })
    // The agent's route is the agent's: the enrolment secret or the admin cannot read it.
    const asAdmin = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('agent-secrets'), headers: admin })
    expect(asAdmin.statusCode).toBe(401)
  })

  it('no read API answer, audit entry or log line holds a value', async () => {
    const reads = [
      ROUTES.adminTargets, ROUTES.adminTarget(target.id), ROUTES.adminAudit, ROUTES.dashboardTargets,
    ]
    for (const url of reads) {
      const res = await t.app.inject({ method: 'GET', url, headers: admin })
      expect(res.statusCode).toBe(200)
      expectNoPlaintext(res.body)
    }
    const audit = (await t.app.inject({ method: 'GET', url: ROUTES.adminAudit, headers: admin })).json<{ data: AuditEntry[] }>()
    const update = audit.data.find((e) => e.entity === 'target' && e.action === 'update' && 'secretHeaders' in e.change)
    expect(update?.change.secretHeaders).toEqual({ set: ['Authorization'], removed: ['X-From-Env'] })
    expect(logs.length).toBeGreaterThan(0)
    expectNoPlaintext(logs.join(''))
  })

  it.each([
    [{ secretHeaders: { 'Bad Name': 'x' } }, 'body.secretHeaders.Bad Name', /RFC 7230 token/],
    [{ headers: { 'X-Ok': 'a\r\nX-Injected: plaintext-Zq7vX2' } }, 'body.headers.X-Ok', /without CR, LF, NUL/],
    [{ secretHeaders: { 'X-Key': 'plaintext-Kp4wY9\u0000' } }, 'body.secretHeaders.X-Key', /NUL/],
    [{ secretHeaders: { 'X-Key': 'env:1NOPE' } }, 'body.secretHeaders.X-Key', /env:NAME/],
    [{ secretHeaders: { 'X-Key': 'file:relative/path' } }, 'body.secretHeaders.X-Key', /absolute path/],
    [{ secretHeaders: { 'Content-Length': '1' } }, 'body.secretHeaders.Content-Length', /set by the load generator/],
    [{ headers: { authorization: 'x' }, secretHeaders: { Authorization: 'plaintext-Kp4wY9' } },
      'body.secretHeaders.Authorization', /case-insensitive/],
  ])('refuses %o with 400 naming the field, quoting no value, writing nothing', async (extra, path, message) => {
    const before = await tableCounts(t.store)
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url: 'http://127.0.0.1:9/', ...extra } })
    expect(res.statusCode).toBe(400)
    const body = res.json<{ code: string, details: { issues: Array<{ path: string, message: string }> } }>()
    expect(body.code).toBe('LF_REQUEST_INVALID')
    expect(body.details.issues).toContainEqual({ path, message: expect.stringMatching(message) as unknown })
    expectNoPlaintext(res.body)
    expect(await tableCounts(t.store)).toEqual(before)
  })

  it('a patch naming an existing secret header as a plain one in other case is refused', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { headers: { 'x-api-key': 'k' } } })
    expect(res.statusCode).toBe(400)
    expect(res.json<{ details: { issues: Array<{ path: string }> } }>().details.issues[0]?.path).toBe('body.secretHeaders.X-Api-Key')
  })

  it('stores each value sealed: the plaintext is in no database byte', async () => {
    // A checkpoint is not needed: the WAL file is read too, so a value only there is still found.
    if (kind === 'sqlite') {
      const file = join(t.dataDir, 'loadfleet.db')
      const bytes = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('')
      expect(bytes).toContain('lfenc1.') // sealed values are there
      expectNoPlaintext(bytes)
    } else {
      const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', t.databaseUrl ?? ''], { maxBuffer: 64 << 20 })
      expect(stdout).toContain('lfenc1.')
      expectNoPlaintext(stdout)
    }
    const row = await t.store.db.selectFrom('targets').select('secret_headers_json').where('id', '=', target.id).executeTakeFirstOrThrow()
    expect(Object.values(JSON.parse(row.secret_headers_json) as Record<string, { value: string }>)
      .every(({ value }) => value.startsWith('lfenc1.'))).toBe(true)
  })
})
