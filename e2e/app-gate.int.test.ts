import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type GateEvidence } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, CLI_BIN, REPO_ROOT } from './helpers/repo.js'

const run = promisify(execFile)

/** A service of the example shop: answers every request after `delayMs`, with `status`, and notes when each came. */
interface Service { server: Server, port: number, hits: number[], delayMs: number, status: number }

async function service (): Promise<Service> {
  const s: Service = { server: createServer(), port: 0, hits: [], delayMs: 0, status: 200 }
  s.server.on('request', (req, res) => {
    s.hits.push(Date.now())
    req.resume()
    setTimeout(() => {
      res.statusCode = s.status
      res.setHeader('content-type', 'application/json')
      res.end('{"ok":true}')
    }, s.delayMs)
  })
  await once(s.server.listen(0, '127.0.0.1'), 'listening')
  s.port = (s.server.address() as AddressInfo).port
  return s
}

interface CliOutput { code: number, stdout: string, stderr: string }

let dir: string
let server: RunningServer
let agent: AgentProcess | undefined
let env: Record<string, string>
const services: Record<'api' | 'payments' | 'web', Service> = {} as Record<'api' | 'payments' | 'web', Service>

async function cli (args: string[]): Promise<CliOutput> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_BIN, ...args],
      { cwd: dir, env: { ...process.env, ...env }, timeout: 180_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** The example tree, pointed at this test's services, with runs of 2 s and sites run only when a gate asks. */
async function copyExample (): Promise<void> {
  const root = join(dir, 'app-of-apps')
  await cp(join(REPO_ROOT, 'examples/app-of-apps'), root, { recursive: true })
  const edit = async (file: string, change: (text: string) => string) => {
    const path = join(root, file)
    await writeFile(path, change(await readFile(path, 'utf8')))
  }
  const ports = (text: string) => text
    .replace('localhost:3000-3999', '127.0.0.1')
    .replaceAll('localhost:3000', `127.0.0.1:${services.api.port}`)
    .replaceAll('localhost:3001', `127.0.0.1:${services.payments.port}`)
    .replaceAll('localhost:3002', `127.0.0.1:${services.web.port}`)
    .replace(/duration: (10|20)s/, 'duration: 2s')
  await edit('app.yaml', (t) => ports(t).replace('    interval: 5m', '    interval: 5m\n    schedule: on-demand'))
  for (const file of ['api/app.yaml', 'payments/app.yaml', 'payments/refunds/app.yaml', 'web/app.yaml', 'payments/checkout.yaml']) {
    await edit(file, ports)
  }
  await edit('web/browse.js', (t) => ports(t).replace("duration: '10s'", "duration: '2s'"))
}

const shaOf = (text: string): string => createHash('sha256').update(text).digest('hex')

/** `kind: path sha256:HEX` lines the gate printed, by kind. */
function printedFiles (stdout: string): Record<string, { path: string, sha256: string }> {
  const files: Record<string, { path: string, sha256: string }> = {}
  for (const [, kind = '', path = '', sha256 = ''] of stdout.matchAll(/^(junit|evidence|markdown): (\S+) sha256:([0-9a-f]{64})$/gm)) {
    files[kind] = { path, sha256 }
  }
  return files
}

beforeAll(async () => {
  buildRepo()
  dir = await mkdtemp(join(tmpdir(), 'lf-e2e-gate-'))
  services.api = await service()
  services.payments = await service()
  services.web = await service()
  await copyExample()
  await run('git', ['init', '-q'], { cwd: dir })
  server = await startServer({ env: {}, port: 0, dataDir: join(dir, 'data'), fleetScaler: 'none', logLevel: 'silent' })
  env = { LOADFLEET_URL: server.url, LOADFLEET_ADMIN: server.adminAuth, SHOP_API_TOKEN: 'e2e-token' }
  agent = new AgentProcess('agent-gate', {
    POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500', DASHBOARD_URL: server.url,
    DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dir, 'agent'),
  })
  const applied = await cli(['apply', 'app-of-apps', '--yes', '--revision', 'rev-apply'])
  expect(applied.stdout).toContain('5 created')
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  await server.close()
  for (const s of Object.values(services)) s.server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet gate against a real control plane, a real agent and real services', () => {
  it('runs children in dependency order on the fleet, writes the files it prints, and the API returns the same gate', async () => {
    for (const s of Object.values(services)) s.hits.length = 0
    const out = await cli(['gate', 'shop', '--dir', 'app-of-apps', '--revision', 'rev-1', '--junit', 'out/junit.xml',
      '--evidence', 'out', '--markdown', 'out/summary.md'])
    expect(out.code, out.stderr + out.stdout).toBe(0)
    // api first (payments and web depend on it), then payments with its child refunds, then web.
    expect(out.stdout.match(/^app=(\S+) event=start/gm)?.map((l) => l.split(' ')[0])).toEqual(
      ['app=shop', 'app=api', 'app=payments', 'app=refunds', 'app=web'])
    const { api, payments, web } = services
    expect(api.hits.length).toBeGreaterThan(0)
    expect(Math.max(...api.hits)).toBeLessThan(Math.min(...payments.hits))
    expect(Math.max(...api.hits)).toBeLessThan(Math.min(...web.hits))
    expect(Math.max(...payments.hits)).toBeLessThan(Math.min(...web.hits))

    const files = printedFiles(out.stdout)
    expect(Object.keys(files).sort()).toEqual(['evidence', 'junit', 'markdown'])
    for (const file of Object.values(files)) expect(shaOf(await readFile(join(dir, file.path), 'utf8'))).toBe(file.sha256)
    const evidenceText = await readFile(join(dir, files.evidence?.path ?? ''), 'utf8')
    const evidence = JSON.parse(evidenceText) as GateEvidence
    // No earlier passing gate: the relative criterion is not judged, so the gate warns and lets the deploy through.
    expect(evidence).toMatchObject({ app: 'shop', revision: 'rev-1', verdict: 'warn', mode: 'fleet', baseline: null })
    const products = evidence.apps.find((a) => a.name === 'api')?.tests.find((t) => t.name === 'products')
    expect(products).toMatchObject({ runner: 'fleet', status: 'warn', criteria: [{ metric: 'p95', status: 'no-baseline' }, { metric: 'error_rate', status: 'pass' }] })
    expect(products?.runId).toMatch(/.+/)
    expect(evidence.apps.find((a) => a.name === 'payments')?.tests.find((t) => t.name === 'checkout')?.runner).toBe('local')

    const client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
    const gate = await client.getAppRevision('shop', 'rev-1')
    expect(gate).toMatchObject({ app: 'shop', verdict: 'warn', evidenceSha256: files.evidence?.sha256, actor: 'admin' })
    expect(await client.getAppRevisionEvidence('shop', 'rev-1')).toBe(evidenceText)
    expect(out.stdout).toContain(`recorded: gate ${gate.id} of shop at revision rev-1 sha256:${files.evidence?.sha256}`)
  })

  it('a failing child exits 99 with a JUnit failure naming the criterion, and its dependants are skipped', async () => {
    services.api.status = 500
    for (const s of Object.values(services)) s.hits.length = 0
    try {
      const out = await cli(['gate', 'shop', '--dir', 'app-of-apps', '--revision', 'rev-broken', '--junit', 'out/broken.xml'])
      expect(out.code, out.stderr).toBe(99)
      expect(out.stdout).toContain("app=payments event=skipped reason=\"it depends on 'api', which failed\"")
      expect(out.stdout).toContain("app=refunds event=skipped reason=\"its parent 'payments' was skipped\"")
      expect(services.payments.hits).toEqual([])
      expect(services.web.hits).toEqual([])
      const junit = await readFile(join(dir, 'out/broken.xml'), 'utf8')
      const products = /<testcase classname="shop\.api" name="products"[^>]*>\s*<failure message="([^"]*)"/
      const failure = products.exec(junit)?.[1]
      expect(failure).toContain('criterion error_rate &lt;0.01: observed 1 (limit 0.01)')
      expect(junit).toContain('<testcase classname="shop.web" name="home" time="0">\n      <skipped message="it depends on &apos;api&apos;, which failed"/>')
      expect(junit).toContain('<testsuite name="refunds" tests="1" failures="0" errors="0" skipped="1"')
      expect(out.stdout).toContain('verdict: fail')
    } finally {
      services.api.status = 200
    }
  })

  it('a slower revision fails on the relative criterion against the previous passing gate of the app', async () => {
    services.api.delayMs = 5
    const first = await cli(['gate', 'api', '--dir', 'app-of-apps', '--revision', 'rev-fast', '--local'])
    expect(first.code, first.stderr).toBe(0)
    services.api.delayMs = 80
    try {
      const out = await cli(['gate', 'api', '--dir', 'app-of-apps', '--revision', 'rev-slow', '--local', '--junit',
        'out/slow.xml', '--evidence', 'out'])
      expect(out.code, out.stderr).toBe(99)
      expect(out.stdout).toContain('verdict: fail (app api, revision rev-slow, baseline rev-fast (control-plane))')
      const junit = await readFile(join(dir, 'out/slow.xml'), 'utf8')
      const failure = /<failure message="([^"]*)" type="criterion">/.exec(junit)?.[1]
      const number = String.raw`[\d.]+`
      expect(failure).toMatch(new RegExp(String.raw`^criterion p95 &lt;=\+10%: observed ${number} ms \(\+${number}%\) ` +
        String.raw`against baseline ${number} ms, limit ${number} ms$`))
      // Recorded though run locally, with the baseline's revision; the evidence download is the file written here.
      const client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
      const gate = await client.getAppRevision('api', 'rev-slow')
      expect(gate).toMatchObject({ verdict: 'fail', mode: 'local', baselineRevision: 'rev-fast' })
      const evidence = printedFiles(out.stdout).evidence
      expect(shaOf(await client.getAppRevisionEvidence('api', 'rev-slow'))).toBe(evidence?.sha256)
      expect(shaOf(await readFile(join(dir, evidence?.path ?? ''), 'utf8'))).toBe(evidence?.sha256)
      const gates = (await client.listAppGates('api', { own: 'true' })).data.map((g) => [g.revision, g.verdict])
      expect(gates).toEqual([['rev-slow', 'fail'], ['rev-fast', 'warn']])
    } finally {
      services.api.delayMs = 0
    }
  })
})
