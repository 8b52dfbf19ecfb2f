import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Target } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'
import { Receiver, type Received } from './helpers/receiver.js'

const SECRET = 'webhook-signing-secret-1'
const AGENT = 'k6agent-alerts'

interface WebhookBody {
  version: string, groupKey: string, status: string, receiver: string, groupLabels: Record<string, string>
  commonLabels: Record<string, string>, commonAnnotations: Record<string, string>, externalURL: string
  alerts: Array<{
    status: string, labels: Record<string, string>, annotations: Record<string, string>, startsAt: string
    endsAt: string,    generatorURL: string, fingerprint: string
  }>
}

describe.each(['sqlite', 'postgres'] as const)('alerting on %s: rules, grouping, channels, retries, silences', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient
  let target: Target
  const webhook = new Receiver()
  const slack = new Receiver()
  const alertmanager = new Receiver()
  let runNo = 0
  let t0 = Date.now() - 3_600_000

  async function run (p95: number): Promise<void> {
    const id = `run-${kind}-${String(++runNo).padStart(4, '0')}`
    t0 += 60_000
    await api.startRun(AGENT, { id, targetId: target.id, startedAt: new Date(t0).toISOString() })
    await api.finishRun(AGENT, id, {
      status: 'passed', finishedAt: new Date(t0 + 1000).toISOString(),
      metrics: {
        p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 1.2, avg_ms: p95 / 2, error_rate: 0, rps: 10,
        data_received_bytes: 1, iterations: 10,
      },
    })
  }
  const bodies = (r: Receiver): WebhookBody[] => r.received.map((x) => x.body as WebhookBody)
  /** One entry per notification: a retried one arrives more than once with the same idempotency key. */
  const notifications = (r: Receiver): string[] => {
    const seen = new Map<string, string>()
    for (const x of r.received) seen.set(String(x.headers['idempotency-key']), (x.body as WebhookBody).status)
    return [...seen.values()]
  }

  beforeAll(async () => {
    await Promise.all([webhook.start(), slack.start(), alertmanager.start()])
    db = await createTestDatabase(kind)
    server = await startServer({
      ...serverOptionsFor(db),
      // Periodic passes effectively off: the test drives each pass, so every step is deterministic.
      alerting: { intervalMs: 3_600_000, retryBaseMs: 300, retryMaxMs: 300, externalUrl: 'https://loadfleet.example' },
    })
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
    await api.registerAgent({ name: AGENT })
    target = await api.createTarget({ url: 'http://127.0.0.1:9/shop?token=abc', label: 'Shop', labels: { team: 'shop' }, runIntervalMs: 3_600_000 })
    await api.createTarget({ url: 'http://127.0.0.1:9/other', label: 'Other', labels: { team: 'other' }, runIntervalMs: 3_600_000 })
    const common = { groupWaitMs: 0, groupIntervalMs: 1000 }
    await api.createAlertChannel({ name: 'ops-webhook', type: 'webhook', url: `${webhook.url}/hook`, secret: SECRET, ...common })
    await api.createAlertChannel({ name: 'ops-slack', type: 'slack', url: `${slack.url}/services/T0/B0/XYZ`, ...common })
    await api.createAlertChannel({ name: 'ops-am', type: 'alertmanager', url: `${alertmanager.url}/`, ...common, repeatIntervalMs: 0 })
    await api.createAlertRule({
      name: 'ShopSlow', condition: 'p95 > 100ms', k: 2, m: 3, severity: 'critical', selector: { team: 'shop' },
      labels: { owner: 'ops' }, description: 'p95 above 100 ms',
    })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
    await Promise.all([webhook.stop(), slack.stop(), alertmanager.stop()])
  })

  it('stays quiet while runs are fast, goes pending at one slow run and fires once at k of m', async () => {
    for (let i = 0; i < 3; i++) await run(20)
    await server.alertNow()
    expect(webhook.received).toHaveLength(0)
    await run(150)
    await server.alertNow()
    const overview = await api.dashboardAlerts()
    expect(overview.pending.map((a) => a.labels.alertname)).toEqual(['ShopSlow'])
    expect(overview.firing).toEqual([])
    expect(webhook.received).toHaveLength(0)

    await run(160)
    await server.alertNow()
    await server.alertNow() // a second pass sends nothing new: one incident, one notification
    expect([webhook, slack, alertmanager].map((r) => r.received.length)).toEqual([1, 1, 1])
    const firing = (await api.dashboardAlerts()).firing
    expect(firing).toHaveLength(1)
    expect(firing[0]).toMatchObject({ state: 'firing', severity: 'critical', targetId: target.id, silencedBy: [] })
  })

  it('signs the webhook body and gives it the Alertmanager webhook (version 4) fields', () => {
    const [hit] = webhook.received as [Received]
    const expected = `sha256=${createHmac('sha256', SECRET).update(hit.raw).digest('hex')}`
    expect(hit.headers['x-loadfleet-signature']).toBe(expected)
    expect(hit.headers['idempotency-key']).toMatch(/\/1$/)
    const body = hit.body as WebhookBody
    expect(body).toMatchObject({
      version: '4', status: 'firing', receiver: 'ops-webhook', externalURL: 'https://loadfleet.example',
      groupLabels: { site_id: target.id, site: 'Shop' },
      commonLabels: { alertname: 'ShopSlow', severity: 'critical', site_id: target.id, team: 'shop', owner: 'ops' },
    })
    expect(body.groupKey).toContain(target.id)
    expect(body.alerts).toHaveLength(1)
    const [alert] = body.alerts
    expect(alert).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z', generatorURL: `https://loadfleet.example/sites/${target.id}` })
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    expect(Date.parse(alert?.startsAt ?? '')).not.toBeNaN()
    expect(alert?.annotations.summary).toContain('160.0 ms')
    expect(hit.raw).not.toContain('token=abc') // never the site URL's query string
  })

  it('speaks Slack incoming-webhook and Alertmanager /api/v2/alerts formats', () => {
    const [s] = slack.received as [Received]
    expect(s.path).toBe('/services/T0/B0/XYZ')
    expect(s.headers['x-loadfleet-signature']).toBeUndefined()
    const slackBody = s.body as { text: string, blocks: Array<{ type: string, text: { type: string, text: string } }> }
    expect(slackBody.text).toMatch(/FIRING:1.*Shop.*ShopSlow/)
    expect(slackBody.blocks.map((b) => b.type)).toEqual(['header', 'section'])
    expect(slackBody.blocks[1]?.text.type).toBe('mrkdwn')

    const [a] = alertmanager.received as [Received]
    expect(a.path).toBe('/api/v2/alerts')
    const alerts = a.body as Array<Record<string, unknown>>
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ labels: { alertname: 'ShopSlow', site_id: target.id } })
    expect(String(alerts[0]?.generatorURL)).toContain('/sites/')
    expect(alerts[0]?.endsAt).toBeUndefined()
  })

  it('sends exactly one resolved notification when runs recover', async () => {
    await run(20)
    await server.alertNow()
    expect(webhook.received).toHaveLength(1) // 1 of the last 3 still slow is below k = 2 … resolved
    await run(20)
    await server.alertNow()
    await server.alertNow()
    const statuses = bodies(webhook).map((b) => b.status)
    expect(statuses).toEqual(['firing', 'resolved'])
    expect(bodies(webhook)[1]?.alerts[0]).toMatchObject({ status: 'resolved' })
    expect(Date.parse(bodies(webhook)[1]?.alerts[0]?.endsAt ?? '')).toBeGreaterThan(Date.parse(bodies(webhook)[0]?.alerts[0]?.startsAt ?? ''))
    const am = alertmanager.received[1]?.body as Array<{ endsAt?: string }>
    expect(am[0]?.endsAt).toMatch(/^\d{4}-/)
    expect(slack.received).toHaveLength(2)
    const overview = await api.dashboardAlerts()
    expect(overview.firing).toEqual([])
    expect(overview.resolved[0]).toMatchObject({ state: 'resolved', labels: { alertname: 'ShopSlow' } })
  })

  it('retries a failed delivery with backoff and delivers the same notification once the receiver recovers', async () => {
    webhook.status = 503
    const before = webhook.received.length
    await run(200)
    await run(200)
    await server.alertNow()
    const channel = (await api.listAlertChannels()).data.find((c) => c.name === 'ops-webhook')
    expect(channel).toMatchObject({ pendingNotifications: 1, lastError: 'the receiver answered HTTP 503' })
    webhook.status = 200
    await new Promise((resolve) => setTimeout(resolve, 350)) // past the retry delay
    await server.alertNow()
    await server.alertNow()
    const attempts = webhook.received.slice(before)
    expect(attempts.length).toBeGreaterThanOrEqual(2)
    // Every attempt carried the very same notification: one key, one body.
    expect(new Set(attempts.map((a) => a.headers['idempotency-key'])).size).toBe(1)
    expect(new Set(attempts.map((a) => a.raw)).size).toBe(1)
    expect(notifications(webhook)).toEqual(['firing', 'resolved', 'firing'])
    expect((await api.listAlertChannels()).data.find((c) => c.name === 'ops-webhook')?.pendingNotifications).toBe(0)
    const settled = webhook.received.length
    await server.alertNow()
    expect(webhook.received).toHaveLength(settled)
  })

  it('sends nothing for a silenced alert, and notifies once the silence is removed', async () => {
    await run(20)
    await run(20)
    await server.alertNow()
    expect(notifications(webhook)).toEqual(['firing', 'resolved', 'firing', 'resolved'])
    const silence = await api.createSilence({
      matchers: [{ name: 'site_id', value: target.id }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'deploy',
    })
    expect(silence.state).toBe('active')
    await run(300)
    await run(300)
    await server.alertNow()
    expect(notifications(webhook)).toHaveLength(4)
    const [alert] = (await api.dashboardAlerts()).firing
    expect(alert?.silencedBy).toEqual([silence.id])
    await api.deleteSilence(silence.id)
    expect((await api.listSilences()).data.find((s) => s.id === silence.id)?.state).toBe('expired')
    await server.alertNow()
    expect(notifications(webhook)).toEqual(['firing', 'resolved', 'firing', 'resolved', 'firing'])
  })

  it('sends a test notification on demand and reports an unreachable receiver', async () => {
    const channel = (await api.listAlertChannels()).data.find((c) => c.name === 'ops-webhook')
    const before = webhook.received.length
    expect(await api.testAlertChannel(channel?.id ?? '')).toEqual({ delivered: true, httpStatus: 200, error: null })
    const hit = webhook.received[before]
    expect((hit?.body as WebhookBody).alerts[0]?.labels.alertname).toBe('LoadfleetTestNotification')
    expect(hit?.headers['x-loadfleet-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(hit?.raw ?? '').digest('hex')}`)
    const dead = await api.createAlertChannel({ name: 'dead', type: 'webhook', url: 'http://127.0.0.1:9/hook', enabled: false })
    const result = await api.testAlertChannel(dead.id)
    expect(result).toMatchObject({ delivered: false, httpStatus: null })
    expect(result.error).toMatch(/could not be reached/)
  })
})
