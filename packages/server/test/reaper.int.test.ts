import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

function counter (text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1])
}

const metrics = {
  p50_ms: 1, p95_ms: 2, p99_ms: 3, avg_ms: 1, error_rate: 0, rps: 1, data_received_bytes: 1, iterations: 1,
}

describe.each(['sqlite', 'postgres'] as const)('reaper with short periods on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer({
      ...serverOptionsFor(db),
      reaper: {
        intervalMs: 100, runStaleMinMs: 400, runGraceMs: 200, agentOfflineAfterMs: 1_500, agentDeleteAfterMs: 3_000,
      },
    })
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('errors silent runs, clears dangling current runs, marks agents offline, then deletes them but keeps runs', async () => {
    const target = await api.createTarget({ url: 'http://127.0.0.1:1/', durationS: 1 })
    await api.registerAgent({ name: 'silent' })
    await api.registerAgent({ name: 'alive' })
    const heartbeat = setInterval(() => { void api.heartbeat('alive', { status: 'online' }).catch(() => {}) }, 100)
    try {
      const started = Date.now()
      await api.startRun('silent', { id: 'silent-run-1', targetId: target.id })
      const errored = await waitFor('the silent run to be errored', async () => {
        const run = await api.getRun('silent-run-1')
        return run.status === 'error' ? run : undefined
      })
      // Not before max(400 ms, 1 s duration + 200 ms grace).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_200)
      expect(errored.errorMessage).toMatch(/stopped reporting/)
      expect(errored.finishedAt).not.toBeNull()

      await api.registerAgent({ name: 'dangling' })
      await api.heartbeat('dangling', { status: 'busy', currentRunId: 'silent-run-1' })
      await waitFor('the dangling current run to be cleared', async () => {
        const agents = await api.dashboardAgents()
        return agents.data.find((a) => a.name === 'dangling')?.currentRunId === null ? true : undefined
      })

      await waitFor('the silent agent to go offline', async () => {
        const agents = await api.dashboardAgents()
        return agents.data.find((a) => a.name === 'silent')?.status === 'offline' ? true : undefined
      })
      await waitFor('the silent agent to be deleted', async () => {
        const agents = await api.dashboardAgents()
        return agents.data.some((a) => a.name === 'silent') ? undefined : true
      })
      const agents = await api.dashboardAgents()
      expect(agents.data.find((a) => a.name === 'alive')?.status).toBe('online')
      expect((await api.getRun('silent-run-1')).agentName).toBe('silent')

      const text = await (await fetch(`${server.url}/api/metrics`)).text()
      expect(counter(text, 'reaper_k6runs_errored_total')).toBe(1)
      expect(counter(text, 'reaper_k6agents_marked_offline_total')).toBeGreaterThanOrEqual(2) // silent and dangling
      expect(counter(text, 'reaper_k6agents_deleted_total')).toBeGreaterThanOrEqual(1)
    } finally {
      clearInterval(heartbeat)
    }
  })

  it("lets a late real result replace the reaper's presumed error, exactly once", async () => {
    const target = await api.createTarget({ url: 'http://127.0.0.1:1/', durationS: 1 })
    await api.registerAgent({ name: 'late' })
    await api.startRun('late', { id: 'late-run-0001', targetId: target.id })
    await waitFor('the late run to be errored', async () => {
      const run = await api.getRun('late-run-0001')
      return run.status === 'error' ? run : undefined
    })
    const body = { status: 'passed' as const, metrics, summary: { ok: true } }
    const finished = await api.finishRun('late', 'late-run-0001', body)
    expect(finished).toMatchObject({ status: 'passed', errorMessage: null, metrics })
    expect(await api.finishRun('late', 'late-run-0001', body)).toEqual(finished)
    await expect(api.finishRun('late', 'late-run-0001', { ...body, status: 'failed' })).rejects.toMatchObject({ status: 409 })
  })
})
