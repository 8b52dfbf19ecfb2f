import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type Target } from '@loadfleet/api'
import { Receiver } from '../packages/server/test/helpers/receiver.js'
import { AgentProcess } from './helpers/agent-process.js'
import { CLI_BIN, REPO_ROOT, buildRepo, waitFor } from './helpers/repo.js'

const ADMIN = 'admin:e2e-alerts-password'
const TOKEN = 'e2e-alerts-agent-token'
const SECRET = 'e2e-webhook-signing-secret'
const FAST_MS = 5
const SLOW_MS = 150
const FAST = { POLL_INTERVAL_MS: '300', HEARTBEAT_INTERVAL_MS: '500' }

interface Body {
  version: string, status: string, receiver: string, groupKey: string
  alerts: Array<{
    status: string, startsAt: string, endsAt: string, labels: Record<string, string>, fingerprint: string
  }>
}

let dataDir: string
let site: Server
let siteUrl: string
let delayMs = FAST_MS
let port: number
let controlPlane: ChildProcess | undefined
let log = ''
const agents: AgentProcess[] = []
const receiver = new Receiver()
const api = (): ApiClient => new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, adminAuth: ADMIN })

async function freePort (): Promise<number> {
  const probe = createServer()
  await once(probe.listen(0, '127.0.0.1'), 'listening')
  const free = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return free
}

/** `loadfleet server` as its own process, so it can be SIGKILLed like a crashed control plane. */
async function startControlPlane (): Promise<void> {
  const child = spawn(process.execPath, [CLI_BIN, 'server'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: dataDir, ADMIN_BASIC_AUTH: ADMIN, DASHBOARD_SECRET: TOKEN,
      FLEET_SCALER: 'none', LOG_LEVEL: 'info', ALERT_EVAL_INTERVAL_MS: '500', ALERT_RETRY_BASE_MS: '200', ALERT_RETRY_MAX_MS: '500',
      EXTERNAL_URL: 'http://dashboard.example',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (chunk: Buffer) => { log += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { log += chunk.toString() })
  controlPlane = child
  await waitFor('the control plane to listen', async () => {
    try {
      await api().listAlertRules()
      return true
    } catch {
      return undefined
    }
  }, 30_000)
}

async function kill (): Promise<void> {
  const child = controlPlane
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}

/** Finished runs of the site measured at the given latency level (fast or slow), newest first. */
async function finishedRuns (target: Target): Promise<Array<{ p95: number, finishedAt: number }>> {
  const { data } = await api().listRuns({ targetId: target.id, limit: 200 })
  return data.filter((r) => r.metrics !== null && r.finishedAt !== null)
    .map((r) => ({ p95: r.metrics?.p95_ms ?? 0, finishedAt: Date.parse(r.finishedAt ?? '') }))
}

function notifications (): Array<{ key: string, body: Body, raw: string, signature: unknown }> {
  return receiver.received.map((r) => ({
    key: String(r.headers['idempotency-key']), body: r.body as Body, raw: r.raw, signature: r.headers['x-loadfleet-signature'],
  }))
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-alerts-'))
  site = createServer((_req, res) => { setTimeout(() => res.end('ok'), delayMs) })
  await once(site.listen(0, '127.0.0.1'), 'listening')
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`
  await receiver.start()
  port = await freePort()
  await startControlPlane()
}, 300_000)

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')))
  await kill()
  site.close()
  await receiver.stop()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('alerting end to end: real control plane, agents, site and webhook receiver', () => {
  let target: Target

  it('sends exactly one signed firing notification after a latency step, none before, and one resolved after recovery', async () => {
    const client = api()
    for (const rule of (await client.listAlertRules()).data.filter((r) => r.builtIn)) {
      await client.updateAlertRule(rule.id, { enabled: false }) // only the rule under test may speak
    }
    target = await client.createTarget({ url: siteUrl, label: 'stepping site', vus: 1, durationS: 1, runIntervalMs: 1000 })
    await client.createAlertRule({ name: 'SiteSlow', condition: 'p95 > 80ms', k: 2, m: 3, severity: 'critical', targetId: target.id })
    await client.createAlertChannel({
      name: 'e2e-hook', type: 'webhook', url: `${receiver.url}/hook`, secret: SECRET,
      groupWaitMs: 0, groupIntervalMs: 600_000, repeatIntervalMs: 0,
    })
    for (const name of ['alerts-agent-0', 'alerts-agent-1']) {
      agents.push(new AgentProcess(name, {
        ...FAST, DASHBOARD_URL: `http://127.0.0.1:${port}`, DASHBOARD_SECRET: TOKEN, TMP_DIR: join(dataDir, name),
      }))
    }
    await waitFor('4 fast runs', async () => ((await finishedRuns(target)).length >= 4 ? true : undefined), 60_000)
    await new Promise((resolve) => setTimeout(resolve, 1000)) // a pass or two over the fast runs
    expect(receiver.received).toEqual([])

    const stepAt = Date.now()
    delayMs = SLOW_MS
    const [firing] = await waitFor('the firing notification', () => (receiver.received.length > 0 ? notifications() : undefined), 60_000)
    expect(firing?.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(firing?.raw ?? '').digest('hex')}`)
    expect(firing?.body).toMatchObject({ version: '4', status: 'firing', receiver: 'e2e-hook' })
    expect(firing?.body.alerts).toHaveLength(1)
    expect(firing?.body.alerts[0]).toMatchObject({ status: 'firing', labels: { alertname: 'SiteSlow', site_id: target.id } })
    expect(Date.parse(firing?.body.alerts[0]?.startsAt ?? '')).toBeGreaterThan(stepAt)
    const slowRuns = (await finishedRuns(target)).filter((r) => r.p95 > 80)
    expect(slowRuns.length).toBeGreaterThanOrEqual(2)
    await waitFor('3 more slow runs', async () =>
      ((await finishedRuns(target)).filter((r) => r.p95 > 80).length >= slowRuns.length + 3 ? true : undefined), 60_000)
    expect(receiver.received).toHaveLength(1) // still firing: no second notification

    delayMs = FAST_MS
    await waitFor('the resolved notification', () => (receiver.received.length > 1 ? true : undefined), 60_000)
    const fastNow = (await finishedRuns(target)).length
    await waitFor('3 more runs after recovery', async () => ((await finishedRuns(target)).length >= fastNow + 3 ? true : undefined), 60_000)
    expect(notifications().map((n) => n.body.status)).toEqual(['firing', 'resolved'])
    const resolved = notifications()[1]?.body
    expect(resolved?.alerts[0]).toMatchObject({ status: 'resolved', fingerprint: firing?.body.alerts[0]?.fingerprint })
    expect(new Set(notifications().map((n) => n.key)).size).toBe(2)
  })

  it('delivers exactly once when the control plane is SIGKILLed between detection and delivery', async () => {
    const before = receiver.received.length
    await receiver.stop() // the notification will have to wait in the outbox
    delayMs = SLOW_MS
    await waitFor('a firing notification queued and undelivered', async () => {
      const channel = (await api().listAlertChannels()).data[0]
      return channel !== undefined && channel.pendingNotifications > 0 && channel.lastError !== null ? true : undefined
    }, 60_000)
    await kill()
    expect(log).not.toContain(SECRET)
    await startControlPlane()
    // The restarted control plane finds the notification in the outbox, retries, and cannot reach the receiver yet.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(receiver.received).toHaveLength(before)
    await receiver.start()
    await waitFor('the queued notification', () => (receiver.received.length > before ? true : undefined), 30_000)
    await new Promise((resolve) => setTimeout(resolve, 3000)) // several more passes, runs still slow
    const after = notifications().slice(before)
    expect(after).toHaveLength(1)
    expect(after[0]?.body.status).toBe('firing')
    expect(after[0]?.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(after[0]?.raw ?? '').digest('hex')}`)
    const channel = (await api().listAlertChannels()).data[0]
    expect(channel).toMatchObject({ pendingNotifications: 0, failedNotifications: 0 })
    expect((await api().dashboardAlerts()).firing.map((a) => a.labels.alertname)).toEqual(['SiteSlow'])
  })
})
