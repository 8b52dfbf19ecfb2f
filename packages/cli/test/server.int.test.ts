import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')

interface Ended { code: number | null, stdout: string, stderr: string }

/** Runs the built CLI with only the given environment (plus PATH); never throws on a non-zero exit. */
async function cli (args: string[], env: Record<string, string> = {}): Promise<Ended> {
  return await new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr }))
  })
}

/** Starts a long-running command, waits until its stdout matches `ready`, stops it with SIGTERM. */
async function startAndStop (args: string[], env: Record<string, string>, ready: RegExp): Promise<Ended> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const exited = once(child, 'exit') as Promise<[number | null]>
  // A start on a machine busy with other suites can take many seconds; the test's own timeout is the real bound.
  const deadline = Date.now() + 90_000
  while (!ready.test(stdout) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const becameReady = ready.test(stdout)
  child.kill('SIGTERM')
  const [code] = await exited
  // Say what the process printed when it never got ready, instead of failing later on a missing line.
  expect(becameReady, `never printed ${String(ready)}; stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(true)
  return { code, stdout, stderr }
}

let dir: string
let taken: Server
let takenPort: number

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadfleet-server-cli-'))
  taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  takenPort = (taken.address() as { port: number }).port
})

afterAll(async () => {
  taken.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet server and up: flags, help and first-start messages', () => {
  it.each(['server', 'up'])('%s --help lists --port, --host and every environment variable', async (command) => {
    const { code, stdout } = await cli([command, '--help'])
    expect(code).toBe(0)
    for (const name of ['--port', '--host', 'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'ADMIN_BASIC_AUTH',
      'DASHBOARD_SECRET', 'DASHBOARD_REQUIRE_AUTH', 'FLEET_SCALER', 'LOG_LEVEL', 'LOG_FORMAT']) {
      expect(stdout).toContain(name)
    }
  })

  it.each([
    { flag: true, what: 'a taken --port (PORT=0 loses to the flag)' },
    { flag: false, what: 'a taken PORT' },
  ])('$what: one line naming the address, --port and PORT', async ({ flag }) => {
    const out = flag
      ? await cli(['server', '--port', String(takenPort)], { PORT: '0', DATA_DIR: join(dir, 'busy') })
      : await cli(['server'], { PORT: String(takenPort), DATA_DIR: join(dir, 'busy') })
    expect(out.code).toBe(1)
    expect(out.stderr).toBe(`loadfleet server: 127.0.0.1:${takenPort} is already in use by another process; ` +
      'choose another port with --port or PORT (e.g. --port 3001), or stop the other process\n')
  })

  it.each(['admin:CHANGE-ME', 'admin:changeme', 'root:admin', 'admin:short-pw'])(
    'refuses ADMIN_BASIC_AUTH=%s with one line saying why, and writes nothing', async (auth) => {
      const out = await cli(['server', '--port', '0'], { ADMIN_BASIC_AUTH: auth, DATA_DIR: join(dir, 'refused') })
      expect(out.code).toBe(104)
      expect(out.stderr).toMatch(new RegExp('^loadfleet server: ADMIN_BASIC_AUTH: the password (".+" is a placeholder ' +
        'anyone can guess|has \\d+ characters, fewer than 12); set a real password, or unset ADMIN_BASIC_AUTH to have ' +
        'one generated\n$'))
      expect(out.stdout).toBe('')
      expect(existsSync(join(dir, 'refused'))).toBe(false)
    })

  it('--port and --host win over PORT and HOST; the first start says how to connect a remote agent, later ones not', {
    timeout: 240_000,
  }, async () => {
    const env = { PORT: String(takenPort), HOST: '192.0.2.1', DATA_DIR: join(dir, 'flags') }
    const ready = /listening on (http:\/\/127\.0\.0\.1:\d+)/
    const first = await startAndStop(['server', '--port', '0', '--host', '127.0.0.1'], env, /npx loadfleet agent/)
    expect(first.code).toBe(0)
    const url = ready.exec(first.stdout)?.[1]
    expect(url).toBeDefined()
    expect(url).not.toContain(`:${takenPort}`)
    const token = /DASHBOARD_SECRET=(\S+)\n/.exec(first.stdout)?.[1]
    expect(first.stdout).toContain(`DASHBOARD_SECRET=${token} AGENT_NAME=<name> npx loadfleet agent`)
    expect(first.stdout).toContain('--host 0.0.0.0 to accept remote agents')
    // Not a terminal: the logs are JSON lines, one per event.
    const logLines = first.stdout.split('\n').filter((l) => l.startsWith('{'))
    expect(logLines.length).toBeGreaterThan(0)
    for (const line of logLines) expect(() => { JSON.parse(line) }).not.toThrow()

    const second = await startAndStop(['server', '--port', '0', '--host', '127.0.0.1'], env, ready)
    expect(second.code).toBe(0)
    expect(second.stdout).not.toContain(token)
    expect(second.stdout).not.toContain('npx loadfleet agent')
  })

  it('LOG_FORMAT=pretty prints readable lines instead of JSON', async () => {
    const out = await startAndStop(['server', '--port', '0'], { LOG_FORMAT: 'pretty', DATA_DIR: join(dir, 'pretty') },
      /listening on/)
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^\d\d:\d\d:\d\d INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+$/m)
    expect(out.stdout).not.toMatch(/^\{/m)
  })

  it('up prints the remote-agent connection at first start', async () => {
    const out = await startAndStop(['up', '--agents', '0', '--port', '0'], { DATA_DIR: join(dir, 'up') }, /Ctrl-C to stop/)
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(new RegExp('Connect an agent on another machine.*\n {2}DASHBOARD_URL=http://<this-host>:\\d+ ' +
      'DASHBOARD_SECRET=\\S+ AGENT_NAME=<name> npx loadfleet agent'))
  })
})
