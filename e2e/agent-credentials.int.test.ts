import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

const NAME = 'agent-creds'

let dataDir: string
let target: Server
let server: RunningServer
let admin: ApiClient
let db: SQLite.Database
let agent: AgentProcess | undefined
/** Every credential hash the server held for the agent, to prove the agent never logged a credential. */
const issuedHashes = new Set<string>()

function storedHash (): string | null {
  const row = db.prepare('select credential_hash from agents where name = ?').get(NAME) as { credential_hash: string | null } | undefined
  if (row?.credential_hash != null) issuedHashes.add(row.credential_hash)
  return row?.credential_hash ?? null
}

const eventsOf = (event: string) => agent?.events.filter((e) => e.event === event) ?? []

/** Waits for a run that started after `since` to be delivered and stored as passed. */
async function deliveredAfter (since: number, what: string): Promise<void> {
  await waitFor(what, async () => {
    const runs = (await admin.listRuns({ limit: 50 })).data
    return runs.some((r) => r.agentName === NAME && r.status === 'passed' && Date.parse(r.startedAt) > since) ? true : undefined
  }, 30_000)
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-creds-'))
  target = createServer((_req, res) => { res.end('ok') })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  await admin.createTarget({
    url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, vus: 1, durationS: 1, runIntervalMs: 1000,
  })
  db = new SQLite(join(dataDir, 'loadfleet.db'))
  db.pragma('busy_timeout = 5000')
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  db.close()
  await server.close()
  target.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('an agent whose credential stops working', () => {
  it('registers again with the enrolment secret and keeps delivering, never logging a credential', async () => {
    agent = new AgentProcess(NAME, {
      DASHBOARD_URL: server.url, DASHBOARD_SECRET: server.agentToken, TMP_DIR: join(dataDir, 'agent'),
      POLL_INTERVAL_MS: '200', HEARTBEAT_INTERVAL_MS: '300',
    })
    await deliveredAfter(0, 'a first result')
    expect(storedHash()).toMatch(/^[0-9a-f]{64}$/)

    // Someone holding the enrolment secret registers the same name: the running agent's credential is void.
    const takenAt = Date.now()
    const usurper = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
    const { credential: usurped } = await usurper.registerAgent({ name: NAME })
    await waitFor('the agent to be refused and register again', () =>
      eventsOf('credential_refused').length > 0 && storedHash() !== createHash('sha256').update(usurped).digest('hex')
        ? true
        : undefined, 15_000)
    await deliveredAfter(takenAt, 'a result delivered with the new credential')

    // An operator clears the stored credential (or the reaper deleted the agent): the same recovery.
    const refusedBefore = eventsOf('credential_refused').length
    const clearedAt = Date.now()
    db.prepare('update agents set credential_hash = null where name = ?').run(NAME)
    await waitFor('the agent to register again after the reset', () =>
      eventsOf('credential_refused').length > refusedBefore && storedHash() !== null ? true : undefined, 15_000)
    await deliveredAfter(clearedAt, 'a result delivered after the reset')

    expect(agent.exited).toBe(false)
    expect(eventsOf('result_conflict')).toEqual([])
    expect(eventsOf('result_dead_lettered')).toEqual([])
    expect(eventsOf('fatal')).toEqual([])
    expect(agent.stray).toEqual([])
    // No token in the log hashes to any credential the server ever held for this agent, nor is the secret there.
    storedHash()
    expect(issuedHashes.size).toBeGreaterThanOrEqual(3)
    const log = JSON.stringify(agent.events)
    expect(log).not.toContain(server.agentToken)
    for (const token of log.match(/[A-Za-z0-9_-]{43}/g) ?? []) {
      expect(issuedHashes.has(createHash('sha256').update(token).digest('hex'))).toBe(false)
    }
    expect(await agent.stop('SIGTERM')).toBe(0)
    expect(eventsOf('agent_left')).toHaveLength(1)
  })
})
