import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')
const execFileP = promisify(execFile)

let server: Server
let base = ''
let dir = ''
let requests = 0

interface CliOutput {
  code: number
  stdout: string
  stderr: string
}

async function cli (args: string[], env: Record<string, string> = {}): Promise<CliOutput> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, ...args],
      { cwd: dir, timeout: 60_000, env: { ...process.env, ...env } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** Writes a script into the test directory and runs it with BASE pointing at the target. */
async function runScript (name: string, lines: string[], args: string[] = []): Promise<CliOutput> {
  await writeFile(join(dir, name), lines.join('\n') + '\n')
  return cli(['run', name, '-q', '-e', `BASE=${base}`, ...args])
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadfleet-script-'))
  server = createServer((req, res) => {
    requests++
    res.statusCode = req.url === '/fail' ? 500 : 200
    res.end('ok')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet run script.js', () => {
  it('runs a k6 script: header, checks under their group, summary export with groups; exit 0', async () => {
    const before = requests
    const out = await runScript('ok.js', [
      "import http from 'k6/http'",
      "import { check, group } from 'k6'",
      'export const options = { vus: 2, iterations: 4 }',
      'export default function () {',
      "  group('home', () => {",
      "    check(http.get(`${__ENV.BASE}/`), { 'status is 200': (r) => r.status === 200 })",
      '  })',
      '}',
    ], ['--summary-export', 'export.json'])
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('script: ok.js')
    expect(out.stdout).toMatch(/█ home\n\n {6}✓ status is 200/)
    expect(out.stdout).toMatch(/iterations\.+: 4 /)
    expect(requests - before).toBe(4)
    const exported = JSON.parse(await readFile(join(dir, 'export.json'), 'utf8')) as {
      root_group: { groups: Record<string, { path: string, checks: Record<string, { passes: number }> }> }
    }
    expect(exported.root_group.groups.home?.path).toBe('::home')
    expect(exported.root_group.groups.home?.checks['status is 200']?.passes).toBe(4)
  })

  it('--iterations on the command line wins over the script', async () => {
    const before = requests
    const out = await runScript('iters.js', [
      "import http from 'k6/http'",
      'export const options = { iterations: 5 }',
      'export default function () { http.get(`${__ENV.BASE}/`) }',
    ], ['--iterations', '2'])
    expect(out.code).toBe(0)
    expect(requests - before).toBe(2)
  })

  it('exits 99 when a threshold is crossed', async () => {
    const out = await runScript('thresholds.js', [
      "import http from 'k6/http'",
      "export const options = { iterations: 2, thresholds: { http_req_failed: ['rate<0.5'] } }",
      'export default function () { http.get(`${__ENV.BASE}/fail`) }',
    ])
    expect(out.code).toBe(99)
    expect(out.stderr).toContain("thresholds on metrics 'http_req_failed' have been crossed")
  })

  it('exits 107 with one line for a syntax error', async () => {
    const out = await runScript('syntax.js', ["import http from 'k6/http'", 'export default function () {', '  http.get(', '}'])
    expect(out.code).toBe(107)
    expect(out.stderr).toMatch(/^syntax\.js:4: error: syntax error: Unexpected token\n$/)
  })

  it('exits 107 with one line for an unsupported import', async () => {
    const out = await runScript('ws.js', ["import ws from 'k6/ws'", 'export default function () {}'])
    expect(out.code).toBe(107)
    expect(out.stderr).toBe("ws.js:1: error: the module 'k6/ws' is not supported by the built-in engine; " +
      'run this script with --engine k6\n')
  })

  it('exits 107 with one line for an exception in the init code', async () => {
    const out = await runScript('init.js', ['const x = undefined', 'const y = x.field', 'export default function () {}'])
    expect(out.code).toBe(107)
    expect(out.stderr).toMatch(/^init\.js:2: error: exception in the init code: TypeError: Cannot read properties/)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('exits 108 when the script calls test.abort()', async () => {
    const out = await runScript('abort.js', [
      "import exec from 'k6/execution'",
      'export const options = { iterations: 5 }',
      "export default function () { if (__ITER === 1) exec.test.abort('no more') }",
    ])
    expect(out.code).toBe(108)
    expect(out.stderr).toContain('test aborted by the script: no more')
  })

  it('reports an exception in an iteration with its line and goes on', async () => {
    const out = await runScript('throws.js', [
      'export const options = { iterations: 3 }',
      'export default function () {',
      "  if (__ITER === 0) throw new Error('first only')",
      '}',
    ])
    expect(out.code).toBe(0)
    expect(out.stderr).toBe('throws.js:3: error: Error: first only\n')
    expect(out.stdout).toMatch(/iterations\.+: 3 /)
  })

  it('handleSummary replaces the summary and writes its files', async () => {
    const out = await runScript('summary.js', [
      "import http from 'k6/http'",
      'export const options = { iterations: 1 }',
      'export default function () { http.get(`${__ENV.BASE}/`) }',
      'export function handleSummary (data) {',
      "  return { stdout: 'reqs=' + data.metrics.http_reqs.values.count + '\\n', 'out.txt': 'written' }",
      '}',
    ])
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('reqs=1\n')
    expect(out.stdout).not.toContain('http_req_duration')
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('written')
  })

  it('--engine k6 hands the script to the k6 binary and says so when there is none', async () => {
    await writeFile(join(dir, 'k6.js'), 'export default function () {}\n')
    const out = await cli(['run', 'k6.js', '--engine', 'k6'], { K6_BINARY: join(dir, 'no-such-k6') })
    expect(out.code).toBe(103)
    expect(out.stderr).toContain('cannot start k6')
  })

  it('refuses request flags next to a script', async () => {
    await writeFile(join(dir, 'flags.js'), 'export default function () {}\n')
    const out = await cli(['run', 'flags.js', '--url', base])
    expect(out.code).toBe(104)
    expect(out.stderr).toContain('--url cannot be combined with a k6 script')
  })
})
