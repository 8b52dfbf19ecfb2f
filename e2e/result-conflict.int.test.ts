import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { createLogger } from '@loadfleet/agent'
import { startServer, type RunningServer } from '@loadfleet/server'
import { Deliverer } from '../packages/agent/src/deliverer.js'
import { AgentSession } from '../packages/agent/src/agent-session.js'
import { Spool } from '../packages/agent/src/spool.js'
import { waitFor } from './helpers/repo.js'

let dataDir: string
let server: RunningServer

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-conflict-'))
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
})

afterAll(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('an agent whose own result meets a 409', () => {
  it('logs result_conflict, never result_delivered, and leaves the stored result alone', async () => {
    const admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
    const agentClient = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
    const target = await admin.createTarget({ url: 'http://127.0.0.1:9/', durationS: 1 })
    await agentClient.registerAgent({ name: 'conflicted' })
    await agentClient.startRun('conflicted', { id: 'run-conflict-0001', targetId: target.id })
    await agentClient.finishRun('conflicted', 'run-conflict-0001', { status: 'passed' })

    const spool = new Spool(join(dataDir, 'spool'))
    await spool.open()
    await spool.addStart({ id: 'run-conflict-0001', targetId: target.id })
    await spool.setFinish('run-conflict-0001', { status: 'error', errorMessage: 'a different result' })
    const lines: string[] = []
    const logger = createLogger({ write: (l) => { lines.push(l) } })
    const session = new AgentSession({ client: agentClient, agentName: 'conflicted', registration: { name: 'conflicted' }, logger })
    const deliverer = new Deliverer({ session, agentName: 'conflicted', spool, logger, onFatal: () => {} })
    deliverer.kick()
    await waitFor('the spool to empty', () => (spool.size === 0 ? true : undefined), 10_000)
    deliverer.stop()
    const events = lines.map((l) => JSON.parse(l) as { event: string, runId?: string })
    expect(events).toContainEqual(expect.objectContaining({ event: 'result_conflict', runId: 'run-conflict-0001' }))
    expect(events.map((e) => e.event)).not.toContain('result_delivered')
    expect((await admin.getRun('run-conflict-0001')).status).toBe('passed')
  })
})
