import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

// Distinctive plaintexts: one stored literally, one in the agent's environment, one in a mounted file.
const LITERAL = 'Bearer e2e-literal-Hx81'
const FROM_ENV = 'e2e-from-env-Qm27'
const FROM_FILE = 'e2e-from-file-Vn64'
const PLAINTEXTS = ['e2e-literal-Hx81', 'e2e-from-env-Qm27', 'e2e-from-file-Vn64']

let dataDir: string
let server: RunningServer
let client: ApiClient
let agent: AgentProcess | undefined
let target: Server
let targetUrl: string
const seen: IncomingHttpHeaders[] = []

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-secrets-'))
  target = createServer((req, res) => {
    seen.push(req.headers)
    res.end('ok')
  })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  await server.close()
  target.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('secret headers through a real agent', () => {
  it('the target receives every header; no run record, summary, export, log line or database byte holds a value', async () => {
    const secretFile = join(dataDir, 'api-key')
    await writeFile(secretFile, `${FROM_FILE}\n`, { mode: 0o600 })
    const t = await client.createTarget({
      url: targetUrl, label: 'secret', vus: 1, durationS: 1, runIntervalMs: 3_600_000,
      headers: { 'X-Plain': 'visible' },
      secretHeaders: { 'Authorization': LITERAL, 'X-Env-Key': 'env:SHOP_KEY', 'X-File-Key': `file:${secretFile}` },
    })
    agent = new AgentProcess('agent-secrets', {
      POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500', DASHBOARD_URL: server.url,
      DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dataDir, 'agent'), SHOP_KEY: FROM_ENV,
    })
    const run = await waitFor('a finished run', async () =>
      (await client.listRuns({ targetId: t.id })).data.find((r) => r.status !== 'running'), 60_000)
    expect(run.status).toBe('passed')
    expect(seen.length).toBeGreaterThan(0)
    for (const headers of seen) {
      expect(headers).toMatchObject({
        'authorization': LITERAL, 'x-env-key': FROM_ENV, 'x-file-key': FROM_FILE, 'x-plain': 'visible',
      })
    }
    const stored = [
      JSON.stringify(await client.getRun(run.id)),
      JSON.stringify(await client.getRunSummaryExport(run.id)),
      JSON.stringify(await client.listRuns()),
      JSON.stringify(await client.dashboardTargets()),
      JSON.stringify(agent.events), agent.stray.join('\n'),
    ].join('\n')
    expect(stored).toContain(run.id)
    const db = join(dataDir, 'loadfleet.db')
    const bytes = [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('')
    for (const plain of PLAINTEXTS) {
      expect(stored).not.toContain(plain)
      expect(bytes).not.toContain(plain)
    }
  }, 90_000)

  it('a reference the agent cannot resolve ends the run as an error naming the header, not a value', async () => {
    const t = await client.createTarget({
      url: targetUrl, label: 'unresolved', vus: 1, durationS: 1, runIntervalMs: 3_600_000,
      secretHeaders: { 'X-Missing': 'env:NOT_SET_ANYWHERE' },
    })
    const run = await waitFor('a finished run', async () =>
      (await client.listRuns({ targetId: t.id })).data.find((r) => r.status !== 'running'), 30_000)
    expect(run).toMatchObject({
      status: 'error', errorMessage: 'secret header "X-Missing": environment variable NOT_SET_ANYWHERE is not set',
    })
  }, 60_000)
})
