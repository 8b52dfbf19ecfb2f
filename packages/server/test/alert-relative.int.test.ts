import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Target } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

const AGENT = 'k6agent-relative'

// A relative rule judges runs against the site's baseline, the one its run pages and detector use: a pinned
// baseline holds while slow runs pile up, where "the runs just before" would slowly become the slow runs.
describe.each(['sqlite', 'postgres'] as const)('relative alert conditions on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient
  let site: Target
  let runNo = 0
  let t0 = Date.now() - 6 * 3_600_000
  const ids: string[] = []

  async function run (p95: number): Promise<void> {
    const id = `rel-${kind}-${String(++runNo).padStart(4, '0')}`
    t0 += 60_000
    await api.startRun(AGENT, { id, targetId: site.id, startedAt: new Date(t0).toISOString() })
    await api.finishRun(AGENT, id, {
      status: 'passed', finishedAt: new Date(t0 + 1000).toISOString(),
      metrics: {
        p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 1.2, avg_ms: p95 / 2, error_rate: 0, rps: 10,
        data_received_bytes: 1, iterations: 10,
      },
    })
    ids.push(id)
  }
  const firing = async () => (await api.dashboardAlerts()).firing.filter((a) => a.targetId === site.id)

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer({ ...serverOptionsFor(db), alerting: { intervalMs: 3_600_000 } })
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
    await api.registerAgent({ name: AGENT })
    site = await api.createTarget({ url: 'http://127.0.0.1:9/', label: 'Relative', labels: { team: 'rel' }, runIntervalMs: 3_600_000 })
    await api.createAlertRule({ name: 'P95UpHalf', condition: 'p95 > +50%', k: 3, m: 3, severity: 'warning', selector: { team: 'rel' } })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('fires against a pinned baseline and keeps firing however many slow runs follow', async () => {
    for (let i = 0; i < 6; i++) await run(20 + (i % 3))
    await api.pinBaseline(site.id, { runIds: ids.slice(0, 6) })
    await server.alertNow()
    expect(await firing()).toEqual([])
    for (let i = 0; i < 3; i++) await run(36)
    await server.alertNow()
    const alert = (await firing()).find((a) => a.labels.alertname === 'P95UpHalf')
    expect(alert?.annotations.summary).toMatch(/p95 36\.0 ms vs\. baseline 21\.0 ms \(limit > \+50%\)/)
    // Fifteen more slow runs: the pinned normal is still 21 ms, so the incident stays open, as one alert.
    for (let i = 0; i < 15; i++) await run(36)
    await server.alertNow()
    const still = (await firing()).filter((a) => a.labels.alertname === 'P95UpHalf')
    expect(still.map((a) => a.id)).toEqual([alert?.id])
    expect(still[0]?.annotations.summary).toContain('vs. baseline 21.0 ms')
  })

  it('follows the site when it goes back to its rolling baseline, which by now is the slow level', async () => {
    const rolling = await api.unpinBaseline(site.id)
    expect(rolling.mode).toBe('rolling')
    expect(rolling.latencyMs?.p95?.median).toBe(36)
    await run(36)
    await server.alertNow()
    expect((await firing()).filter((a) => a.labels.alertname === 'P95UpHalf')).toEqual([])
  })
})
