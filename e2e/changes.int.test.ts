import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ApiError, type Change, type Run, type Target } from '@loadfleet/api'
import { runMetricsOf, type TestSpec } from '@loadfleet/core'
import { runTest } from '@loadfleet/engine'
import { startServer, type RunningServer } from '@loadfleet/server'

// Real engine results against a local target whose latency steps from ~2 ms to ~60 ms, posted through the agent API.
const AGENT = 'change-agent'
let dataDir: string
let server: RunningServer
let admin: ApiClient
let agent: ApiClient
let target: Server
let delayMs = 2
let site: Target
let other: Target
let runNo = 0

function specOf (url: string): TestSpec {
  return {
    scenarios: [{ executor: 'constant-vus', name: 'default', startTimeMs: 0, gracefulStopMs: 1000, vus: 2, durationMs: 400 }],
    requests: [{ name: url, method: 'GET', url, headers: {}, expectStatus: null, timeoutMs: 5000 }],
    sleepMs: 0, thresholds: [], insecureSkipTLSVerify: false, maxRedirects: 0, userAgent: 'loadfleet-test',
    summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)'],
  }
}

/** One real run of the engine, reported as an agent would. */
async function oneRun (of: Target): Promise<Run> {
  const id = `change-run-${String(++runNo).padStart(4, '0')}`
  await agent.startRun(AGENT, { id, targetId: of.id })
  const result = await runTest(specOf(of.url), {})
  return await agent.finishRun(AGENT, id, {
    status: result.outcome, finishedAt: new Date(result.finishedAt).toISOString(), metrics: runMetricsOf(result),
    summary: result as unknown as Record<string, unknown>,
  })
}

async function expectInvalid (work: Promise<unknown>, path: string): Promise<void> {
  const err = await work.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(ApiError)
  expect((err as ApiError).status).toBe(400)
  expect(((err as ApiError).details as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toContain(path)
}

const open = async (): Promise<Change[]> => (await admin.targetChanges(site.id, { state: 'open' })).data

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-changes-'))
  target = createServer((_req, res) => { setTimeout(() => res.end('ok'), delayMs) })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  server = await startServer({ env: {}, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  agent = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
  await agent.registerAgent({ name: AGENT })
  site = await admin.createTarget({ url, label: 'stepping', enabled: false })
  other = await admin.createTarget({ url, label: 'other', enabled: false })
}, 120_000)

afterAll(async () => {
  await server.close()
  target.closeAllConnections()
  target.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('changes, baselines and acceptance over real runs', () => {
  const before: Run[] = []
  const after: Run[] = []
  let acceptedId: string | undefined

  it('opens one change per metric when latency steps, not before, and keeps it one row while it persists', async () => {
    for (let i = 0; i < 12; i++) before.push(await oneRun(site))
    expect(before.every((run) => run.status === 'passed')).toBe(true)
    expect(await open()).toEqual([])
    // The run page compares a run with its rolling baseline.
    const detail = await admin.getRun(before.at(-1)?.id ?? '')
    expect(detail.baseline?.mode).toBe('rolling')
    expect(detail.baseline?.runIds.length).toBeGreaterThanOrEqual(10)
    expect(detail.previousRunId).toBe(before.at(-2)?.id)

    delayMs = 60
    // Real runs on a shared machine vary; the detector must see the step within a few runs (up to 8).
    for (let i = 0; i < 8; i++) {
      after.push(await oneRun(site))
      if (i >= 3 && (await open()).some((c) => c.metric === 'p95')) break
    }
    const changes = await open()
    const p95 = changes.find((c) => c.metric === 'p95')
    expect(p95).toMatchObject({ direction: 'increase', state: 'open', targetId: site.id })
    // Where it started, to within a couple of runs: a busy machine can slow the last fast runs enough to look like
    // the start of the step; what must never happen is a start long before the step.
    expect([...before.slice(-2), ...after.slice(0, 2)].map((r) => r.id)).toContain(p95?.startedRunId)
    expect(p95?.details).toMatchObject({ metric: 'p95', regression: true })
    expect(Number(p95?.details.relativeChange)).toBeGreaterThan(1)
    // One row per metric, however many runs confirmed it.
    expect(new Set(changes.map((c) => c.metric)).size).toBe(changes.length)
    after.push(await oneRun(site))
    const again = await open()
    // Another metric may be confirmed by the extra run; the changes already open keep their rows.
    expect(again.map((c) => c.id)).toEqual(expect.arrayContaining(changes.map((c) => c.id)))
    expect(new Set(again.map((c) => c.metric)).size).toBe(again.length)
    expect(again.find((c) => c.metric === 'p95')?.detectedRunId).toBe(p95?.detectedRunId)

    const sites = await admin.dashboardTargets()
    const marker = sites.data.find((t) => t.id === site.id)?.stats.openChanges.find((c) => c.metric === 'p95')
    expect(marker?.relativeChange).toBeGreaterThan(1)
    const stepped = await admin.getRun(after.at(-1)?.id ?? '')
    const row = stepped.baseline?.metrics.find((m) => m.metric === 'p95')
    expect(row?.relativeChange).toBeGreaterThan(1)
    expect(stepped.baseline?.runIds).not.toContain(after[0]?.id)

    // The site chart's band: the spread of the baseline runs' p95, below the stepped runs.
    const baseline = await admin.targetBaseline(site.id)
    const band = baseline.latencyMs.p95
    expect(band?.runs).toBe(baseline.runIds.length)
    expect(baseline.runIds).not.toContain(after[0]?.id)
    expect([band?.min, band?.p25, band?.median, band?.p75, band?.max]).toEqual(
      [band?.min, band?.p25, band?.median, band?.p75, band?.max].sort((a = 0, b = 0) => a - b))
    expect(band?.median).toBeLessThan(Number((p95?.details.recent as { median: number }).median))
    expect(baseline.latencyMs.p50?.median).toBeLessThanOrEqual(baseline.latencyMs.p99?.median ?? 0)
  })

  it('refuses bad pins with 400 naming the field, and unknown or closed changes with 404 and 409', async () => {
    const auditBefore = (await admin.listAudit({ limit: 1 })).data[0]?.id
    await expectInvalid(admin.pinBaseline(site.id, { runIds: [before[0]?.id ?? '', 'not-a-run-of-it'] }), 'body.runIds.1')
    const otherRun = await oneRun(other)
    await expectInvalid(admin.pinBaseline(site.id, { runIds: [otherRun.id] }), 'body.runIds.0')
    await expectInvalid(admin.pinBaseline(site.id, { runIds: [before[0]?.id ?? ''], from: before[0]?.startedAt }), 'body.runIds')
    await expectInvalid(admin.pinBaseline(site.id, { from: '2020-01-01T00:00:00Z' }), 'body.to')
    await expectInvalid(admin.pinBaseline(site.id, { from: 'later', to: '2020-01-01T00:00:00Z' }), 'body.from')
    await expectInvalid(admin.pinBaseline(site.id, { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }), 'body.from')
    expect((await admin.listAudit({ limit: 1 })).data[0]?.id).toBe(auditBefore)
    expect((await admin.targetBaseline(site.id)).mode).toBe('rolling')
    await expect(admin.acceptChange(site.id, 'no-such-change')).rejects.toMatchObject({ status: 404, code: 'LF_CHANGE_NOT_FOUND' })
  })

  it('accepts a change: the baseline restarts after it and the other open changes resolve', async () => {
    const p95 = (await open()).find((c) => c.metric === 'p95')
    expect(p95).toBeDefined()
    acceptedId = p95?.id
    const accepted = await admin.acceptChange(site.id, p95?.id ?? '')
    expect(accepted).toMatchObject({ id: p95?.id, state: 'accepted' })
    expect(accepted.acceptedAt).not.toBeNull()
    await expect(admin.acceptChange(site.id, p95?.id ?? '')).rejects.toMatchObject({ status: 409, code: 'LF_CHANGE_NOT_OPEN' })
    expect(await open()).toEqual([])
    const all = (await admin.targetChanges(site.id)).data
    expect(all.filter((c) => c.state === 'resolved').every((c) => c.resolvedAt !== null)).toBe(true)
    const baseline = await admin.targetBaseline(site.id)
    expect(baseline).toMatchObject({ mode: 'rolling', acceptedAt: p95?.startedAt })
    const audit = (await admin.listAudit({ limit: 1 })).data[0]
    expect(audit).toMatchObject({ action: 'accept', entity: 'change', entityId: p95?.id })
  })

  it('pins a baseline to chosen runs and to a time range, and unpins it', async () => {
    const pinned = await admin.pinBaseline(site.id, { runIds: before.slice(0, 10).map((r) => r.id) })
    expect(pinned).toMatchObject({ mode: 'pinned', runIds: before.slice(0, 10).map((r) => r.id) })
    expect(pinned.latencyMs.p95?.runs).toBe(10)
    const detail = await admin.getRun(after.at(-1)?.id ?? '')
    expect(detail.baseline?.mode).toBe('pinned')
    expect(detail.baseline?.runIds).toEqual(before.slice(0, 10).map((r) => r.id))
    // The pinned old normal outranks the acceptance: against it the step is a change again, in a new row. On a busy
    // machine the pinned runs are noisier, so the detector may want a few more slow runs to be sure.
    for (let i = 0; i < 4 && !(await open()).some((c) => c.metric === 'p95'); i++) after.push(await oneRun(site))
    const reopened = (await open()).find((c) => c.metric === 'p95')
    expect(reopened).toMatchObject({ state: 'open', direction: 'increase' })
    expect(reopened?.id).not.toBe(acceptedId)

    const range = { from: before[0]?.startedAt ?? '', to: before[9]?.startedAt ?? '' }
    const byRange = await admin.pinBaseline(site.id, range)
    expect(byRange).toMatchObject({ mode: 'pinned', from: range.from, to: range.to })
    expect(byRange.runIds).toEqual(before.slice(0, 10).map((r) => r.id))

    const unpinned = await admin.unpinBaseline(site.id)
    expect(unpinned.mode).toBe('rolling')
    expect(await open()).toEqual([])
    const actions = (await admin.listAudit({ limit: 3 })).data.map((a) => a.action)
    expect(actions).toEqual(['unpin', 'pin', 'pin'])
  })
})
