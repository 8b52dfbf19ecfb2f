import { execFile } from 'node:child_process'
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ROUTES, type Target } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')
const FIXTURES = join(ROOT, 'packages/core/test/fixtures/apps')
const run = promisify(execFile)

interface CliOutput { code: number, stdout: string, stderr: string }

/** Runs the built CLI (stdin and stdout are pipes, not a terminal); never throws on a non-zero exit. */
async function cli (args: string[], options: { cwd: string, env?: Record<string, string> }): Promise<CliOutput> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-apps-'))
  await cp(join(ROOT, 'examples/app-of-apps'), join(dir, 'app-of-apps'), { recursive: true })
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet validate and explain', () => {
  it('accepts the example tree', async () => {
    const out = await cli(['validate', 'app-of-apps'], { cwd: dir })
    expect(out).toMatchObject({ code: 0, stdout: 'ok: 5 apps, 7 tests\n', stderr: '' })
  })

  it('lists every problem of every file with its line, and exits 104', async () => {
    const out = await cli(['validate', 'all'], { cwd: FIXTURES })
    expect(out.code).toBe(104)
    expect(out.stdout).toBe('')
    expect(out.stderr.split('\n')).toEqual([
      "all/app.yaml:12: error: spec.children.4: no App manifest at '../nowhere': expected a file or a directory holding app.yaml or app.yml",
      'cycle/a/app.yaml:6: error: spec.dependsOn.0: dependency cycle: a (cycle/a/app.yaml) -> b (cycle/b/app.yaml) -> a (cycle/a/app.yaml)',
      "missing-secret/app.yaml:11: error: spec.tests.invoices.headers.authorization: header 'authorization' refers to secret 'BILLING_TOKEN', which neither this app nor its ancestors declare in spec.secrets",
      "missing-secret/app.yaml:13: error: spec.tests.export.file: no such test file: 'missing.yaml' (relative to missing-secret/app.yaml)",
      "unknown-key/app.yaml:5: error: metadata.owner: unknown key 'owner'; allowed here: name, labels",
      "unknown-key/app.yaml:9: error: spec.defaults.timeout: unknown key 'timeout'; allowed here: vus, duration, interval, thresholds, headers, expectedStatuses, schedule",
      '6 errors',
      '',
    ])
  })

  it('names both files when a child widens its parent', async () => {
    const out = await cli(['validate', 'widened'], { cwd: FIXTURES })
    expect(out.code).toBe(104)
    expect(out.stderr).toContain("widened/child/app.yaml:10: error: spec.egress.1: egress 'evil.example:443' widens the egress inherited from widened/app.yaml:9")
  })

  it('explains where each effective setting comes from', async () => {
    const out = await cli(['explain', 'refunds', '--dir', 'app-of-apps'], { cwd: dir })
    expect(out.code).toBe(0)
    expect(out.stdout).toBe([
      'app refunds (app-of-apps/payments/refunds/app.yaml)',
      '  parent: payments',
      '  egress: localhost:3001  # app-of-apps/payments/refunds/app.yaml:10',
      '  roles.view: team-shop, sre  # app-of-apps/app.yaml:23',
      '  roles.edit: team-shop  # app-of-apps/payments/app.yaml:22',
      '  roles.run: ci  # app-of-apps/payments/app.yaml:23',
      '  secret: SHOP_API_TOKEN  # app-of-apps/app.yaml:26',
      '  secret: PAYMENTS_KEY  # app-of-apps/payments/app.yaml:24',
      '  test list (url)',
      '    url: http://localhost:3001/api/refunds  # app-of-apps/payments/refunds/app.yaml:8',
      '    vus: 2  # app-of-apps/app.yaml:14',
      '    duration: 20s  # app-of-apps/payments/app.yaml:10',
      '    interval: 15m  # app-of-apps/payments/refunds/app.yaml:9',
      '    schedule: continuous  # built-in',
      '    expectedStatuses: 200-399  # built-in',
      '    thresholds.http_req_duration: p(95)<500  # app-of-apps/app.yaml:18',
      '    thresholds.checks: rate>0.99  # app-of-apps/payments/app.yaml:13',
      '    headers.x-test-source: loadfleet  # app-of-apps/app.yaml:21',
      '',
    ].join('\n'))
  })

  it('refuses an unknown app, naming the apps there are', async () => {
    const out = await cli(['explain', 'nope', '-d', 'app-of-apps'], { cwd: dir })
    expect(out.code).toBe(104)
    expect(out.stderr).toBe("loadfleet explain: no app named 'nope'; apps: shop, api, payments, refunds, web\n")
  })
})

describe('loadfleet diff and apply against a control plane', () => {
  let server: RunningServer
  let api: ApiClient
  let env: Record<string, string>
  const managed = async (): Promise<Target[]> =>
    (await api.listTargets()).data.filter((t) => t.labels?.managed_by === 'loadfleet-apply')
  const auditCount = async (): Promise<number> => (await api.listAudit({ limit: 200 })).data.length

  beforeAll(async () => {
    server = await startServer({
      env: { TARGET_DENY: '*.denied.test' }, port: 0, dataDir: join(dir, 'data'), logLevel: 'silent',
    })
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
    env = { LOADFLEET_URL: server.url, LOADFLEET_ADMIN: server.adminAuth }
    await run('git', ['init', '-q'], { cwd: dir })
    await run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x'], { cwd: dir })
  })
  afterAll(async () => {
    await server.close()
  })

  it('diff lists what apply would create and exits 2', async () => {
    const out = await cli(['diff', 'app-of-apps'], { cwd: dir, env })
    expect(out.code).toBe(2)
    expect(out.stdout).toBe([
      '+ create api/health', '+ create api/products', '+ create payments/quote', '+ create refunds/list',
      '+ create web/home',
      '  skip payments/checkout: a YAML test file; sites run URL tests only',
      '  skip web/browse: a k6 script; sites run URL tests only',
      '  note api/health: header authorization: refers to a secret, so the site does not get it from the manifest (set it as a secret header of the site)',
      '  note api/products: header authorization: refers to a secret, so the site does not get it from the manifest (set it as a secret header of the site)',
      '5 to create, 0 to update, 0 to delete, 0 unchanged', '',
    ].join('\n'))
    expect(await managed()).toEqual([])
  })

  it('apply off a terminal and without --yes prints the plan, applies nothing and exits 2', async () => {
    const before = await auditCount()
    const out = await cli(['apply', 'app-of-apps'], { cwd: dir, env })
    expect(out.code).toBe(2)
    expect(out.stdout).toContain('5 to create')
    expect(out.stderr).toContain('run again with --yes')
    expect(await managed()).toEqual([])
    expect(await auditCount()).toBe(before)
  })

  it('apply --yes creates one labelled site per URL test, audited with the Git revision', async () => {
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim()
    const out = await cli(['apply', 'app-of-apps', '--yes'], { cwd: dir, env })
    expect(out.code).toBe(0)
    expect(out.stdout).toContain(`applied revision ${head}: 5 created, 0 updated, 0 deleted`)
    const sites = await managed()
    expect(sites.map((s) => s.label).sort()).toEqual(['api/health', 'api/products', 'payments/quote', 'refunds/list', 'web/home'])
    const quote = sites.find((s) => s.label === 'payments/quote')
    expect(quote).toMatchObject({
      url: 'http://localhost:3001/api/quote', vus: 2, durationS: 20, runIntervalMs: 300_000, enabled: true,
      expectedStatuses: [200, 201],
      thresholds: { http_req_duration: ['p(95)<500'], checks: ['rate>0.99'] },
      labels: { app: 'payments', test: 'quote', managed_by: 'loadfleet-apply' },
      headers: { 'x-test-source': 'loadfleet' },
    })
    expect(sites.find((s) => s.label === 'web/home')?.labels).toEqual({ app: 'web', test: 'home', managed_by: 'loadfleet-apply' })
    const audit = (await api.listAudit({ limit: 10 })).data
    expect(audit[0]).toMatchObject({ action: 'apply', entity: 'apps', entityId: head, actor: 'admin',
      change: { revision: head, created: 5, updated: 0, deleted: 0 } })
    expect(audit.filter((a) => a.action === 'create' && a.change.revision === head)).toHaveLength(5)
  })

  it('a second apply changes nothing, and diff then exits 0', async () => {
    const before = await managed()
    const audits = await auditCount()
    const again = await cli(['apply', 'app-of-apps', '--yes'], { cwd: dir, env })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('no changes (5 up to date)')
    expect(await managed()).toEqual(before)
    expect(await auditCount()).toBe(audits)
    expect((await cli(['diff', 'app-of-apps'], { cwd: dir, env })).code).toBe(0)
  })

  it('diff after editing one file shows exactly that change', async () => {
    const file = join(dir, 'app-of-apps/payments/app.yaml')
    await writeFile(file, (await readFile(file, 'utf8')).replace('expectedStatuses: [200, 201]', 'expectedStatuses: [200]'))
    const out = await cli(['diff', 'app-of-apps'], { cwd: dir, env })
    expect(out.code).toBe(2)
    expect(out.stdout.split('\n').filter((l) => /^[+~-] /.test(l))).toEqual(['~ update payments/quote (expectedStatuses)'])
    const applied = await cli(['apply', 'app-of-apps', '--yes', '--revision', 'rev-2'], { cwd: dir, env })
    expect(applied.stderr).toBe('')
    expect(applied.stdout).toContain('applied revision rev-2: 0 created, 1 updated, 0 deleted')
    expect((await managed()).find((s) => s.label === 'payments/quote')?.expectedStatuses).toEqual([200])
  })

  it('--prune deletes a removed test and nothing else; without it, nothing is deleted', async () => {
    const other = await api.createTarget({ url: 'http://127.0.0.1:9/unmanaged', labels: { app: 'web', test: 'home' } })
    const file = join(dir, 'app-of-apps/web/app.yaml')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/ {4}home:\n(?: {6}.*\n)+/, ''))
    const kept = await cli(['apply', 'app-of-apps', '--yes'], { cwd: dir, env })
    expect(kept.stdout).toContain('no changes (4 up to date)')
    expect(await managed()).toHaveLength(5)
    const diff = await cli(['diff', 'app-of-apps', '--prune'], { cwd: dir, env })
    expect(diff.stdout.split('\n').filter((l) => /^[+~-] /.test(l))).toEqual(['- delete web/home'])
    const pruned = await cli(['apply', 'app-of-apps', '--prune', '--yes'], { cwd: dir, env })
    expect(pruned.code).toBe(0)
    expect((await managed()).map((s) => s.label).sort()).toEqual(['api/health', 'api/products', 'payments/quote', 'refunds/list'])
    expect((await api.listTargets()).data.map((t) => t.id)).toContain(other.id)
  })

  it('applies with an editor API token as that token; a viewer token is refused and nothing is written', async () => {
    const editor = await api.createApiToken({ name: 'ci-deploy', role: 'editor' })
    const viewer = await api.createApiToken({ name: 'dashboards', role: 'viewer' })
    const file = join(dir, 'app-of-apps/payments/refunds/app.yaml')
    await writeFile(file, (await readFile(file, 'utf8')).replace('interval: 15m', 'interval: 10m'))
    const tokenEnv = { LOADFLEET_URL: server.url, LOADFLEET_ADMIN: '' }
    const before = await managed()
    const refused = await cli(['apply', 'app-of-apps', '--yes', '--token', viewer.token], { cwd: dir, env: tokenEnv })
    expect(refused.code).toBe(104)
    expect(refused.stderr).toContain('403')
    expect(await managed()).toEqual(before)
    const out = await cli(['apply', 'app-of-apps', '--yes', '--revision', 'rev-3'],
      { cwd: dir, env: { ...tokenEnv, LOADFLEET_TOKEN: editor.token } })
    expect(out.stdout).toContain('applied revision rev-3: 0 created, 1 updated, 0 deleted')
    expect((await managed()).find((s) => s.label === 'refunds/list')?.runIntervalMs).toBe(600_000)
    const audit = (await api.listAudit({ limit: 2 })).data
    expect(audit.map((a) => [a.action, a.actor, a.change.revision])).toEqual([
      ['apply', 'token:ci-deploy', 'rev-3'], ['update', 'token:ci-deploy', 'rev-3'],
    ])
  })

  it('refuses edits and deletes of a managed site through the API, pointing to the manifest', async () => {
    const quote = (await managed()).find((s) => s.label === 'payments/quote')!
    const patch = await api.updateTarget(quote.id, { vus: 9 }).catch((err: unknown) => err)
    expect(patch).toMatchObject({ status: 409, code: 'LF_TARGET_MANAGED' })
    expect((patch as Error).message).toContain('change its test "quote" there and run loadfleet apply')
    expect(await api.deleteTarget(quote.id).catch((err: unknown) => err)).toMatchObject({ status: 409, code: 'LF_TARGET_MANAGED' })
    // Secret headers are the one thing a manifest cannot hold, so they stay settable here.
    await api.updateTarget(quote.id, { secretHeaders: { authorization: 'env:SHOP_API_TOKEN' } })
    expect((await managed()).find((s) => s.id === quote.id)).toMatchObject({ vus: quote.vus })
    expect((await cli(['diff', 'app-of-apps'], { cwd: dir, env })).code).toBe(0)
  })

  it('is atomic: one site the control plane refuses, and nothing of the set is written', async () => {
    await mkdir(join(dir, 'atomic'))
    await writeFile(join(dir, 'atomic/app.yaml'), [
      'apiVersion: loadfleet.dev/v1', 'kind: App', 'metadata:', '  name: atomic', 'spec:', '  tests:',
      '    good:', '      url: http://127.0.0.1:9/good', '    bad:', '      url: http://api.denied.test/', '',
    ].join('\n'))
    const before = await api.listTargets()
    const audits = await auditCount()
    const out = await cli(['apply', 'atomic', '--yes'], { cwd: dir, env })
    expect(out.code).toBe(104)
    expect(out.stderr).toContain('body.targets.1.url')
    expect(out.stderr).toContain('TARGET_DENY rule "*.denied.test"')
    expect(await api.listTargets()).toEqual(before)
    expect(await auditCount()).toBe(audits)
  })

  it('the apply endpoint refuses a malformed body with 400 naming the field', async () => {
    const res = await fetch(server.url + ROUTES.adminApply, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(server.adminAuth).toString('base64')}` },
      body: JSON.stringify({ targets: [{ url: 'http://127.0.0.1:9/', labels: { app: 'a' } }], prune: 'yes' }),
    })
    expect(res.status).toBe(400)
    const body = await res.json() as { code: string, details: { issues: Array<{ path: string }> } }
    expect(body.code).toBe('LF_REQUEST_INVALID')
    expect(body.details.issues.map((i) => i.path).sort()).toEqual(['body.prune', 'body.targets.0.labels.test'])
  })
})
