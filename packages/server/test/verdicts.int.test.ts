import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, type Config, type Run, type Target, type TargetWithStats } from '@loadfleet/api'
import { adminHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }
const admin = { ...json, authorization: adminHeader }

/** A result shaped as an engine's RunResult, with the counts a judge reads. */
function summaryOf (options: {
  statusCodes: Record<string, number>, errorKinds?: Record<string, number>, p95: number
}) {
  const failed = Object.values(options.errorKinds ?? {}).reduce((a, b) => a + b, 0)
  return {
    engine: 'loadfleet', outcome: 'passed', statusCodes: options.statusCodes, errorKinds: options.errorKinds ?? {},
    thresholds: [],
    metrics: {
      http_req_duration: { type: 'trend', contains: 'time', values: { avg: 5, med: 4, 'p(95)': options.p95, 'p(99)': options.p95 * 2 } },
      http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0, passes: failed, fails: 0 } },
    },
    histograms: { http_req_duration: 'HISTFAKEBASE64' },
  }
}

const METRICS = {
  p50_ms: 4, p95_ms: 9, p99_ms: 18, avg_ms: 5, error_rate: 0, rps: 10, data_received_bytes: 100, iterations: 10,
}

describe.each(['sqlite', 'postgres'] as const)('verdicts on %s', (kind) => {
  let t: InjectApp
  let runNo = 0
  let agent: Record<string, string>

  beforeAll(async () => {
    t = await createInjectApp({ kind })
    agent = { ...json, authorization: await enrolAgent(t.app, 'judge-agent') }
  })
  afterAll(async () => { await t.close() })

  async function createTarget (body: Record<string, unknown>): Promise<Target> {
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url: 'http://127.0.0.1:9/', ...body } })
    expect(res.statusCode).toBe(201)
    return res.json<Target>()
  }

  /** Starts and finishes one run through the agent API, as an agent of any version would report it. */
  async function report (targetId: string, finish: Record<string, unknown>): Promise<Run> {
    const id = `judge-run-${kind}-${String(++runNo).padStart(4, '0')}`
    const started = await t.app.inject({ method: 'POST', url: ROUTES.agentRunStart('judge-agent'), headers: agent, payload: { id, targetId } })
    expect(started.statusCode).toBe(201)
    const res = await t.app.inject({ method: 'POST', url: ROUTES.agentRunFinish('judge-agent', id), headers: agent, payload: finish })
    expect(res.statusCode).toBe(200)
    return res.json<Run>()
  }

  it('carries thresholds and expected statuses through create, patch and read, with the documented defaults', async () => {
    const plain = await createTarget({})
    expect(plain).toMatchObject({ thresholds: {}, expectedStatuses: ['200-399'] })
    const created = await createTarget({
      thresholds: { http_req_duration: ['p(95)<500', 'p(99.9)<2000'], 'http_req_duration{name:home}': ['med<=100'] },
      expectedStatuses: [200, 201, '300-302'],
    })
    expect(created.thresholds).toEqual({ http_req_duration: ['p(95)<500', 'p(99.9)<2000'], 'http_req_duration{name:home}': ['med<=100'] })
    const patched = await t.app.inject({
      method: 'PATCH', url: ROUTES.adminTarget(created.id), headers: admin,
      payload: { thresholds: { http_req_failed: ['rate<0.01'] }, expectedStatuses: [204] },
    })
    expect(patched.statusCode).toBe(200)
    const read = await t.app.inject({ method: 'GET', url: ROUTES.adminTarget(created.id), headers: admin })
    expect(read.json()).toMatchObject({ thresholds: { http_req_failed: ['rate<0.01'] }, expectedStatuses: [204] })
    const audit = await t.app.inject({ method: 'GET', url: `${ROUTES.adminAudit}?limit=1`, headers: admin })
    expect(audit.json<{ data: Array<{ change: unknown }> }>().data[0]?.change).toMatchObject({
      expectedStatuses: { from: [200, 201, '300-302'], to: [204] },
    })
    // Agents receive the thresholds in force: the defaults merged with the site's own.
    const forAgent = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('judge-agent'), headers: agent })
    const targets = forAgent.json<{ data: Array<{ id: string, effectiveThresholds: Record<string, string[]> }> }>().data
    expect(targets.find((x) => x.id === plain.id)?.effectiveThresholds).toEqual({ http_req_failed: ['rate<0.05'] })
    expect(targets.find((x) => x.id === created.id)?.effectiveThresholds).toEqual({ http_req_failed: ['rate<0.01'] })
  })

  it.each([
    ['unknown metric', { thresholds: { http_req_speed: ['p(95)<500'] } }, 'body.thresholds.http_req_speed'],
    ['bad expression', { thresholds: { http_req_duration: ['p95 < 500'] } }, 'body.thresholds.http_req_duration.0'],
    ['aggregation of another type', { thresholds: { http_req_failed: ['p(95)<0.1'] } }, 'body.thresholds.http_req_failed.0'],
    ['percentile over 100', { thresholds: { http_req_duration: ['p(101)<5'] } }, 'body.thresholds.http_req_duration.0'],
    ['expressions not a list', { thresholds: { http_req_duration: 'p(95)<500' } }, 'body.thresholds.http_req_duration'],
    ['status out of range', { expectedStatuses: [200, 600] }, 'body.expectedStatuses.1'],
    ['range upside down', { expectedStatuses: ['399-200'] }, 'body.expectedStatuses.0'],
    ['range not a range', { expectedStatuses: ['2xx'] }, 'body.expectedStatuses.0'],
    ['no statuses', { expectedStatuses: [] }, 'body.expectedStatuses'],
  ])('refuses %s with 400 naming the field, on create and on patch, writing nothing', async (_name, body, path) => {
    const target = await createTarget({})
    const before = await tableCounts(t.store)
    for (const [method, url, payload] of [
      ['POST', ROUTES.adminTargets, { url: 'http://127.0.0.1:9/', ...body }],
      ['PATCH', ROUTES.adminTarget(target.id), body],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: admin, payload })
      expect(res.statusCode).toBe(400)
      const error = res.json<{ code: string, details: { issues: Array<{ path: string, message: string }> } }>()
      expect(error.code).toBe('LF_REQUEST_INVALID')
      expect(error.details.issues.map((i) => i.path)).toContain(path)
    }
    expect(await tableCounts(t.store)).toEqual(before)
  })

  it('changes the default thresholds globally, validated and audited', async () => {
    const bad = await t.app.inject({ method: 'PUT', url: ROUTES.adminConfig, headers: admin, payload: { defaultThresholds: { http_req_failed: ['rate<'] } } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json<{ details: { issues: Array<{ path: string }> } }>().details.issues.map((i) => i.path))
      .toContain('body.defaultThresholds.http_req_failed.0')
    const put = await t.app.inject({ method: 'PUT', url: ROUTES.adminConfig, headers: admin, payload: { defaultThresholds: { http_req_failed: ['rate<0.5'] } } })
    expect(put.statusCode).toBe(200)
    expect(put.json<Config>())
      .toMatchObject({ k6DesiredAgentCount: 0, defaultThresholds: { http_req_failed: ['rate<0.5'] } })
    const target = await createTarget({})
    // 30 % failures pass the relaxed global default...
    const relaxed = await report(target.id, { status: 'passed', metrics: METRICS, summary: summaryOf({ statusCodes: { 200: 7, 503: 3 }, p95: 9 }) })
    expect(relaxed).toMatchObject({ status: 'passed', failureReason: null })
    const reset = await t.app.inject({ method: 'PUT', url: ROUTES.adminConfig, headers: admin, payload: { defaultThresholds: { http_req_failed: ['rate<0.05'] } } })
    expect(reset.statusCode).toBe(200)
    // ...and fail the built-in one, whatever the agent said.
    const strict = await report(target.id, { status: 'passed', metrics: METRICS, summary: summaryOf({ statusCodes: { 200: 7, 503: 3 }, p95: 9 }) })
    expect(strict.status).toBe('failed')
    expect(strict.failureReason).toBe('http_req_failed rate<0.05 crossed (observed rate=30 %)')
    expect(strict.metrics?.error_rate).toBeCloseTo(0.3)
  })

  it('judges a run with no successful request as failed with no latency, whatever the agent reported', async () => {
    const target = await createTarget({})
    const run = await report(target.id, {
      status: 'passed', metrics: { ...METRICS, p50_ms: 0, p95_ms: 0, p99_ms: 0, avg_ms: 0, error_rate: 1 },
      summary: summaryOf({ statusCodes: {}, errorKinds: { refused: 20 }, p95: 0 }),
    })
    expect(run.status).toBe('failed')
    expect(run.failureReason).toContain('no request succeeded: 20 of 20 failed (20 refused)')
    expect(run.metrics).toMatchObject({ p50_ms: null, p95_ms: null, p99_ms: null, avg_ms: null, error_rate: 1 })
    expect(run.verdict).toMatchObject({ requests: 20, failedRequests: 20 })
    expect(await t.store.repos.runs.getHistogram(run.id, 'http_req_duration')).toBeUndefined()
    const sites = await t.app.inject({ method: 'GET', url: ROUTES.dashboardTargets })
    const stats = sites.json<{ data: TargetWithStats[] }>().data.find((x) => x.id === target.id)?.stats
    expect(stats).toMatchObject({ lastVerdict: 'failed', lastFailureReason: run.failureReason })
  })

  it('judges statuses by the site\'s expectedStatuses and names the crossed threshold with its observed value', async () => {
    const target = await createTarget({ expectedStatuses: [201], thresholds: { http_req_duration: ['p(95)<5'] } })
    const run = await report(target.id, { status: 'passed', metrics: METRICS, summary: summaryOf({ statusCodes: { 200: 5, 201: 95 }, p95: 9 }) })
    expect(run.status).toBe('failed')
    expect(run.failureReason).toBe('http_req_failed rate<0.05 crossed (observed rate=5 %); http_req_duration p(95)<5 crossed (observed p(95)=9 ms)')
    expect(run.verdict?.thresholds).toEqual([
      { metric: 'http_req_failed', expression: 'rate<0.05', observed: 0.05, ok: false, source: 'default' },
      { metric: 'http_req_duration', expression: 'p(95)<5', observed: 9, ok: false, source: 'site' },
    ])
    // A passing run stores its latency histogram in its own table.
    const ok = await report(target.id, { status: 'failed', metrics: METRICS, summary: summaryOf({ statusCodes: { 201: 100 }, p95: 4 }) })
    expect(ok).toMatchObject({ status: 'passed', failureReason: null })
    expect(await t.store.repos.runs.getHistogram(ok.id, 'http_req_duration')).toBe('HISTFAKEBASE64')
    const detail = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun(ok.id) })
    expect(detail.json()).toMatchObject({ status: 'passed', previousRunId: run.id, nextRunId: null, verdict: { requests: 100, failedRequests: 0 } })
  })

  it('keeps an agent\'s error as error, with its message as the reason', async () => {
    const target = await createTarget({})
    const run = await report(target.id, { status: 'error', errorMessage: 'k6 binary not found' })
    expect(run).toMatchObject({ status: 'error', failureReason: 'k6 binary not found', verdict: null })
  })
})
