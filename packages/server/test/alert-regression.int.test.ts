import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Target } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'
import { Receiver } from './helpers/receiver.js'

const AGENT = 'k6agent-regression'

interface Body {
  status: string
  alerts: Array<{ status: string, labels: Record<string, string>, fingerprint: string }>
}

// The built-in rule with no configuration: a p95 step the detector confirms is one firing notification, its
// recovery one resolved notification, whatever static threshold the site has (none here).
describe.each(['sqlite', 'postgres'] as const)('the built-in regression alert on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient
  let site: Target
  const hook = new Receiver()
  let runNo = 0
  let t0 = Date.now() - 12 * 3_600_000

  async function run (p95: number): Promise<void> {
    const id = `reg-${kind}-${String(++runNo).padStart(4, '0')}`
    t0 += 60_000
    await api.startRun(AGENT, { id, targetId: site.id, startedAt: new Date(t0).toISOString() })
    await api.finishRun(AGENT, id, {
      status: 'passed', finishedAt: new Date(t0 + 1000).toISOString(),
      metrics: {
        p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 1.2, avg_ms: p95 / 2, error_rate: 0, rps: 10,
        data_received_bytes: 1, iterations: 10,
      },
    })
    await server.alertNow()
  }
  const statuses = (): string[] => hook.received.map((r) => (r.body as Body).status)

  beforeAll(async () => {
    await hook.start()
    db = await createTestDatabase(kind)
    server = await startServer({ ...serverOptionsFor(db), alerting: { intervalMs: 3_600_000 } })
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
    await api.registerAgent({ name: AGENT })
    // Only the regression rule may speak: the others would also (rightly) notice these hours-old runs.
    await api.updateAlertRule('builtin-failing', { enabled: false })
    await api.updateAlertRule('builtin-no-run', { enabled: false })
    site = await api.createTarget({ url: 'http://127.0.0.1:9/', label: 'Stepping', runIntervalMs: 3_600_000 })
    await api.createAlertChannel({
      name: 'hook', type: 'webhook', url: `${hook.url}/hook`, groupWaitMs: 0, groupIntervalMs: 1000, repeatIntervalMs: 0,
    })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
    await hook.stop()
  })

  it('stays quiet over noisy but stable runs', async () => {
    const noisy = [20, 22, 19, 21, 24, 20, 18, 21, 23, 20, 19, 22]
    for (const p95 of noisy) await run(p95)
    expect(hook.received).toEqual([])
  })

  it('fires once within 3 runs of a ×4 p95 step, and stays one notification while it lasts', async () => {
    let slowRuns = 0
    while (hook.received.length === 0 && slowRuns < 6) {
      await run(80 + (slowRuns % 3))
      slowRuns++
    }
    expect(slowRuns).toBeLessThanOrEqual(3)
    expect(statuses()).toEqual(['firing'])
    const alert = (hook.received[0]?.body as Body).alerts[0]
    expect(alert?.labels).toMatchObject({ alertname: 'SiteRegression', site_id: site.id })
    for (let i = 0; i < 3; i++) await run(81)
    expect(statuses()).toEqual(['firing'])
    // One fast run inside a lasting regression is a spike the other way: no resolve-and-fire-again.
    await run(20)
    for (let i = 0; i < 2; i++) await run(80)
    expect(statuses()).toEqual(['firing'])
  })

  it('sends one resolved notification once the site is back to its normal', async () => {
    let fastRuns = 0
    while (hook.received.length < 2 && fastRuns < 20) {
      await run(20 + (fastRuns % 3))
      fastRuns++
    }
    expect(statuses()).toEqual(['firing', 'resolved'])
    const [firing, resolved] = hook.received.map((r) => (r.body as Body).alerts[0])
    expect(resolved).toMatchObject({ status: 'resolved', fingerprint: firing?.fingerprint })
    // Not on the first normal run (that could be a spike), and not long after the second.
    expect(fastRuns).toBeGreaterThanOrEqual(2)
    expect(fastRuns).toBeLessThanOrEqual(4)
  })
})
