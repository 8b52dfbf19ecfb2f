import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { AgentProcess } from './helpers/agent-process.js'
import { CLI_BIN, REPO_ROOT, buildRepo } from './helpers/repo.js'

/** `loadfleet run FILE --on URL --agents 2`: the built CLI, a real control plane and two real agents on 127.0.0.1. */
const exec = promisify(execFile)
let target: Server
let targetUrl = ''
let db: TestDatabase
let server: RunningServer
const agents: AgentProcess[] = []

beforeAll(async () => {
  buildRepo()
  target = createServer((_req, res) => { setTimeout(() => res.end('ok'), 2) })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  db = await createTestDatabase('sqlite')
  server = await startServer({ ...serverOptionsFor(db), fleetScaler: 'none' })
  for (const name of ['cli-agent-1', 'cli-agent-2']) {
    agents.push(new AgentProcess(name, {
      POLL_INTERVAL_MS: '200', HEARTBEAT_INTERVAL_MS: '1000',
      DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(db.dataDir, name),
    }))
  }
}, 300_000)

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')))
  await server.close()
  await db.drop()
  target.close()
})

async function cli (args: string[], env: Record<string, string> = {}):
Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI_BIN, ...args], {
      cwd: REPO_ROOT, timeout: 120_000, env: { PATH: process.env.PATH ?? '', LOADFLEET_ADMIN: server.adminAuth, ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function testFile (name: string, thresholds: string): Promise<string> {
  const file = join(db.dataDir, name)
  await writeFile(file, [
    'options:',
    '  scenarios:',
    '    s: { executor: shared-iterations, vus: 4, iterations: 40, maxDuration: 60s }',
    `  thresholds: ${thresholds}`,
    'requests:',
    `  - url: ${targetUrl}`,
  ].join('\n'))
  return file
}

describe('loadfleet run --on', () => {
  it('runs the test on 2 agents and prints the merged summary; exit 0', async () => {
    const file = await testFile('pass.yaml', "{ http_reqs: ['count==40'] }")
    const out = await cli(['run', file, '--on', server.url, '--agents', '2'])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stderr).toMatch(/distributed run \S+ on http:\/\/127\.0\.0\.1:\d+: 2 parts \(0,1\/2,1\)/)
    expect(out.stdout).toMatch(/part 1 \(0:1\/2\) on cli-agent-\d: 20 requests/)
    expect(out.stdout).toMatch(/part 2 \(1\/2:1\) on cli-agent-\d: 20 requests/)
    expect(out.stdout).toMatch(/http_reqs\.*: 40\b/)
  }, 150_000)

  it('exits 99 when the merged result crosses a threshold', async () => {
    const file = await testFile('fail.yaml', "{ http_reqs: ['count<10'] }")
    const out = await cli(['run', file, '--on', server.url, '--agents', '2'])
    expect(out.code).toBe(99)
    expect(out.stderr).toContain('thresholds crossed on the merged result: http_reqs count<10 crossed (observed count=40)')
  }, 150_000)

  it('exits 104 with file:line when the control plane refuses the test, and without credentials', async () => {
    const file = join(db.dataDir, 'bad.yaml')
    await writeFile(file, 'options:\n  vus: many\nrequests: []\n')
    const out = await cli(['run', file, '--on', server.url, '--agents', '2'])
    expect(out.code).toBe(104)
    expect(out.stderr).toMatch(/bad\.yaml:2: error: /)
    const anonymous = await cli(['run', file, '--on', server.url], { LOADFLEET_ADMIN: '' })
    expect(anonymous.code).toBe(104)
    const tooMany = await cli(['run', file, '--on', server.url, '--agents', '101'])
    expect(tooMany.code).toBe(104)
    expect(tooMany.stderr.trim()).toBe("loadfleet run: --agents '101': expected a whole number from 1 to 100")
  }, 60_000)
})
