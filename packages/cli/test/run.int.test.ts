import { execFile, spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
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
const run = promisify(execFile)

interface CliOutput {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI; never throws on a non-zero exit. */
async function cli (args: string[]): Promise<CliOutput> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

type RunJson = { metrics: Record<string, { values: Record<string, number> } | undefined> }

interface Interrupted extends CliOutput {
  signal: NodeJS.Signals | null
  stoppedInMs: number
}

/** Waits until the child's load reaches the target, interrupts it with `interrupt`, and collects how it ended. */
async function interruptOnceLoaded (child: ChildProcessByStdio<null, Readable, Readable>, interrupt: () => void):
Promise<Interrupted> {
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  // Interrupt once the load is flowing (startup time varies with the machine's load; npx adds seconds).
  const before = requests
  for (let i = 0; i < 600 && requests - before < 20; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  const started = performance.now()
  interrupt()
  const [code, signal] = await exited
  return { code: code ?? -1, signal, stdout, stderr, stoppedInMs: performance.now() - started }
}

let server: Server
let url: string
let requests = 0
let dir: string

beforeAll(async () => {
  // The CLI under test is the built one, as users run it.
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: ROOT })
  server = createServer((req, res) => {
    requests++
    res.statusCode = req.url === '/missing' ? 404 : 200
    res.end('hello')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = await mkdtemp(join(tmpdir(), 'loadfleet-run-'))
}, 180_000)

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet run', () => {
  it('runs flags, exits 0 and prints the RunResult as JSON with --json', async () => {
    const before = requests
    const out = await cli(['run', '--url', `${url}/`, '--vus', '3', '--iterations', '30', '--json'])
    expect(out.code).toBe(0)
    type Parsed = { outcome: string, metrics: Record<string, { values: Record<string, number> }> }
    const result = JSON.parse(out.stdout) as Parsed
    expect(result.outcome).toBe('passed')
    expect(result.metrics.http_reqs?.values.count).toBe(30)
    expect(requests - before).toBe(30)
    expect(out.stderr).toBe('') // not a TTY: no progress line
  })

  it('runs a YAML file, prints the text summary and exits 99 when a threshold is crossed', async () => {
    const file = join(dir, 'test.yaml')
    await writeFile(file, [
      'options:', '  vus: 2', '  iterations: 10', '  thresholds:', "    checks: ['rate>0.9']",
      'requests:', '  - name: home', `    url: ${url}/`, '  - name: gone', `    url: ${url}/missing`,
      '    expect: { status: [200] }', 'sleep: 10ms', '',
    ].join('\n'))
    const exportFile = join(dir, 'summary.json')
    const out = await cli(['run', file, '--summary-export', exportFile])
    expect(out.code).toBe(99)
    expect(out.stdout).toMatch(/http_req_duration\.+: avg=/)
    expect(out.stdout).toMatch(/checks/)
    expect(out.stderr).toMatch(/thresholds on metrics 'checks' have been crossed/)
    const summary = JSON.parse(await readFile(exportFile, 'utf8')) as {
      metrics: Record<string, Record<string, unknown>>
      root_group: { checks: Record<string, { passes: number, fails: number }> }
    }
    expect(Object.keys(summary.metrics.http_req_duration ?? {})).toEqual(
      expect.arrayContaining(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']))
    expect(summary.metrics.http_reqs).toMatchObject({ count: 20 })
    // k6's export: a threshold's `true` means it FAILED.
    expect(summary.metrics.checks?.thresholds).toEqual({ 'rate>0.9': true })
    expect(Object.values(summary.root_group.checks)).toEqual([expect.objectContaining({ passes: 0, fails: 10 })])
  })

  it.each([
    { what: 'an unknown option', args: ['run', '--bogus'], message: /unknown option '--bogus'/ },
    { what: 'a bad duration', args: ['run', '--url', 'http://127.0.0.1:9/', '--duration', '5x'], message: /--duration.*5x/ },
    { what: 'an ftp:// URL', args: ['run', '--url', 'ftp://example.com/'], message: /--url.*http/ },
    { what: 'a missing file', args: ['run', 'nope.yaml'], message: /cannot read test file 'nope.yaml': no such file/ },
    { what: 'no test at all', args: ['run'], message: /test file .* or --url/ },
  ])('rejects $what with one line on stderr and exit 104', async ({ args, message }) => {
    const out = await cli(args)
    expect(out.code).toBe(104)
    expect(out.stderr).toMatch(message)
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(out.stderr).not.toMatch(/^\s+at /m)
    expect(out.stdout).toBe('')
  })

  it('reports malformed YAML with its line number', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, ['options:', '  vus: 2', 'requests:', '  - url: http://127.0.0.1:9/', '    method: [GET', ''].join('\n'))
    const out = await cli(['run', file])
    expect(out.code).toBe(104)
    expect(out.stderr).toMatch(/bad\.yaml:\d+: error: malformed YAML/)
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(out.stderr).not.toMatch(/^\s+at /m)
  })

  it('--engine k6 without a k6 binary is a run error (103) with one line saying so', async () => {
    const { stdout, stderr, code } = await new Promise<CliOutput>((resolve) => {
      execFile(process.execPath, [CLI, 'run', '--url', `${url}/`, '--engine', 'k6'],
        { cwd: dir, env: { ...process.env, K6_BINARY: join(dir, 'no-k6-here') } },
        (err, out, errOut) => resolve({ code: err === null ? 0 : Number(err.code), stdout: out, stderr: errOut }))
    })
    expect(code).toBe(103)
    expect(stdout).toBe('')
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/k6/)
  })

  it('shows a live progress line only when stderr is a terminal', async () => {
    // `script` gives the CLI a pseudo-terminal, as an interactive shell would.
    const command = `${process.execPath} ${CLI} run --url ${url}/ --vus 2 --duration 3s --sleep 10ms --json`
    const { stdout } = await run('script', ['-qec', command, '/dev/null'], { cwd: dir, timeout: 60_000 })
    const updates = stdout.split('\r\x1b[2K').filter((part) => part.startsWith('running ['))
    expect(updates.length).toBeGreaterThanOrEqual(3) // ≥ once a second over 3 s
    expect(updates[0]).toMatch(/^running \[\d+s\/3s\] \d+ VUs +[\d.]+ req\/s +p95=[\d.]+ms +errors=0\.00%/)
  })

  it('progress shows the request rate the summary ends on, not a burst doubled by the think time', async () => {
    // 4 VUs sleeping 1 s send their requests in bursts: a half-second window would read 8 req/s or 0.
    const command = `${process.execPath} ${CLI} run --url ${url}/ --vus 4 --duration 4s --sleep 1s --json`
    const { stdout } = await run('script', ['-qec', command, '/dev/null'], { cwd: dir, timeout: 60_000 })
    const summaryRate = (JSON.parse(stdout.slice(stdout.indexOf('{"engine"'))) as RunJson).metrics.http_reqs?.values.rate ?? 0
    const rates = stdout.split('\r\x1b[2K')
      .map((part) => /^running \[(\d+)s\/4s\] \d+ VUs +([\d.]+) req\/s/.exec(part))
      .filter((m) => m !== null && Number(m[1]) >= 2) // past the first burst the average has settled
      .map((m) => Number(m?.[2]))
    expect(rates.length).toBeGreaterThanOrEqual(2)
    expect(summaryRate).toBeGreaterThan(2)
    for (const rate of rates) {
      expect(rate).toBeGreaterThan(summaryRate * 0.7)
      expect(rate).toBeLessThan(summaryRate * 1.3)
    }
  })

  it('prints the header and scenarios first, the final progress line, vus_max and every threshold\'s observed value',
    async () => {
      const out = await cli(['run', '--url', `${url}/`, '--vus', '4', '--iterations', '8',
        '--threshold', 'dropped_iterations=count<1', '--threshold', 'http_req_duration=p(95)<5000'])
      expect(out.code).toBe(0)
      const lines = out.stdout.split('\n')
      expect(lines.slice(0, 8)).toEqual([
        '',
        '     execution: local',
        `        script: ${url}/`,
        '        output: -',
        '',
        '     scenarios: (100.00%) 1 scenario, 4 max VUs, 10m30s max duration (incl. graceful stop):',
        '              * default: 8 iterations shared among 4 VUs (maxDuration: 10m0s, gracefulStop: 30s)',
        '',
      ])
      expect(out.stdout).toMatch(/^running \(\d\dm\d\d\.\ds\), 0\/4 VUs, 8 complete and 0 interrupted iterations$/m)
      expect(out.stdout).toMatch(/^default ✓ \[ 100% \] 4 VUs {2}10m0s$/m)
      expect(out.stdout.indexOf('running (')).toBeLessThan(out.stdout.indexOf('█ THRESHOLDS'))
      expect(out.stdout).toMatch(/vus_max\.+: 4 +min=4 +max=4/) // the allocated VUs, not a ramp from 1
      expect(out.stdout).toContain("✓ 'count<1' count=0") // no dropped iteration: still an observed value
      expect(out.stdout).toMatch(/✓ 'p\(95\)<5000' p\(95\)=[\d.]+(ms|µs)/)
    })

  it('stops on Ctrl-C, says it was interrupted on stderr and in the summary, and exits 105', async () => {
    const child = spawn(process.execPath, [CLI, 'run', '--url', `${url}/`, '--vus', '2', '--duration', '30s', '--sleep', '10ms'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    const { stdout, stderr, code, stoppedInMs } = await interruptOnceLoaded(child, () => child.kill('SIGINT'))
    expect(code).toBe(105)
    expect(stoppedInMs).toBeLessThan(5_000)
    expect(stdout).toMatch(/iterations\.+: \d+/)
    expect(stdout).toMatch(/INTERRUPTED: the test run was aborted by a signal after [\d.]+m?s/)
    // 30 s plus a 30 s graceful stop can reach a minute, so the elapsed time has minutes, as k6 writes it.
    expect(stdout).toMatch(/^running \(00m\d\d\.\ds\), 0\/2 VUs, \d+ complete and \d+ interrupted iterations$/m)
    expect(stdout).toMatch(/^default ✗ \[ +\d+% \] 2 VUs {2}00m\d\d\.\ds\/30s$/m)
    expect(stderr).toBe("loadfleet run: test run was aborted because loadfleet received an 'interrupt' signal; " +
      'the summary covers only the time before it\n')
  })

  it('exits 105 through npx on Ctrl-C sent to the whole process group, as a terminal does', async () => {
    // The terminal signals npm and loadfleet at once, and npm forwards its copy: one press, two signals.
    const child = spawn('npx', ['loadfleet', 'run', '--url', `${url}/`, '--vus', '2', '--duration', '60s', '--sleep', '10ms'],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const { stdout, stderr, code, signal } = await interruptOnceLoaded(child, () => process.kill(-(child.pid ?? 0), 'SIGINT'))
    expect({ code, signal }).toEqual({ code: 105, signal: null })
    expect(stdout).toMatch(/INTERRUPTED/)
    expect(stdout).toMatch(/http_reqs\.+: \d+/) // the summary, not an exit before it
    expect(stderr).toMatch(/test run was aborted because loadfleet received an 'interrupt' signal/)
  })
})
