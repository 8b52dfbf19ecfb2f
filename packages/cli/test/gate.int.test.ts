import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GateEvidence } from '@loadfleet/api'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')
const run = promisify(execFile)

interface CliOutput { code: number, stdout: string, stderr: string }

let dir: string
let target: Server
let port: number

async function cli (args: string[], env: Record<string, string> = {}): Promise<CliOutput> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOADFLEET_')))
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args],
      { cwd: dir, env: { ...clean, ...env }, timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-gate-'))
  target = createServer((_req, res) => res.end('ok'))
  await once(target.listen(0, '127.0.0.1'), 'listening')
  port = (target.address() as AddressInfo).port
  await cp(join(ROOT, 'examples/app-of-apps'), join(dir, 'app-of-apps'), { recursive: true })
  const refunds = join(dir, 'app-of-apps/payments/refunds/app.yaml')
  await writeFile(refunds, (await readFile(refunds, 'utf8'))
    .replace('http://localhost:3001/api/refunds', `http://127.0.0.1:${port}/api/refunds`)
    .replace('localhost:3001', `127.0.0.1:${port}`)
    .replace('      interval: 15m', '      interval: 15m\n      duration: 1s'))
})
afterAll(async () => {
  target.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet gate --local without a control plane', () => {
  it('refuses bad usage in one line with exit 104, running nothing', async () => {
    expect(await cli(['gate', 'refunds', '--dir', 'app-of-apps'])).toMatchObject({ code: 104,
      stderr: 'loadfleet gate: a gate on the fleet needs the control plane: give --url or LOADFLEET_URL and credentials ' +
        '(--token, LOADFLEET_TOKEN or LOADFLEET_ADMIN=user:password), or run it on this machine with --local\n' })
    expect(await cli(['gate', 'nope', '--dir', 'app-of-apps', '--local'])).toMatchObject({ code: 104,
      stderr: "loadfleet gate: no app named 'nope'; apps: shop, api, payments, refunds, web\n" })
    expect((await cli(['gate', 'refunds', '--dir', 'app-of-apps', '--url', 'http://127.0.0.1:9'])).stderr)
      .toContain('needs credentials')
  })

  it('passes, writes evidence whose settings say where each came from, and prints quiet key=value lines', async () => {
    const out = await cli(['gate', 'refunds', '--dir', 'app-of-apps', '--local', '--revision', 'r1', '--evidence', 'ev'])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout.split('\n').slice(0, 3).map((l) => l.replace(/ p50=.*/, ''))).toEqual([
      'app=refunds event=start tests=1', 'app=refunds test=list event=start', 'app=refunds test=list event=done status=pass',
    ])
    expect(out.stdout).toContain('verdict: pass (app refunds, revision r1, baseline none)')
    const evidence = GateEvidence.parse(JSON.parse(await readFile(join(dir, 'ev/gate-refunds-r1.json'), 'utf8')))
    expect(evidence).toMatchObject({ verdict: 'pass', mode: 'local', order: ['refunds'] })
    const settings = evidence.apps[0]?.settings as { tests: Array<{ vus: { value: number, from: string } }> }
    expect(settings.tests[0]?.vus).toEqual({ value: 2, from: 'app-of-apps/app.yaml:14' })
  })

  it('a test that cannot run (its secret is not set) makes the gate inconclusive: exit 103, the reason printed', async () => {
    const api = join(dir, 'app-of-apps/api/app.yaml')
    await writeFile(api, (await readFile(api, 'utf8')).replace('products:\n', 'products:\n      duration: 1s\n')
      .replaceAll('localhost:3000', '127.0.0.1:9'))
    const out = await cli(['gate', 'api', '--dir', 'app-of-apps', '--local', '--revision', 'r2', '--evidence', 'ev'])
    expect(out.code).toBe(103)
    expect(out.stdout).toContain('reason="could not run: header \'authorization\' needs secret \'SHOP_API_TOKEN\'')
    const names = await readdir(join(dir, 'ev'))
    expect(names.sort()).toEqual(['gate-api-r2.json', 'gate-refunds-r1.json'])
  })
})
