import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANGE_METRICS } from '@loadfleet/analysis'
import { ApiClient, type RunMetrics } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { openDatabase } from '../src/db/database.js'
import { Store } from '../src/db/store.js'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'
import { parseExposition, requirePromtool, sampleValue, type Sample } from './helpers/prom-text.js'

const metrics = (p95: number, errorRate = 0.1): RunMetrics => ({
  p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 2, avg_ms: p95 / 2, error_rate: errorRate, rps: 12.5,
  data_received_bytes: 1000, iterations: 100,
})

// Every assertion runs against both stores: the per-site series come from one query layer.
describe.each(['sqlite', 'postgres'] as const)('per-site series in /api/metrics on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient

  async function scrape (): Promise<{ text: string, samples: Sample[] }> {
    // The series are cached for 2 s so one scrape reads the store once; wait that out to see fresh values.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const res = await fetch(`${server.url}/api/metrics`)
    expect(res.status).toBe(200)
    const text = await res.text()
    return { text, samples: parseExposition(text) }
  }

  async function run (targetId: string, status: 'passed' | 'failed' | 'error', options: {
    metrics?: RunMetrics | null, summary?: Record<string, unknown> | null, startedAt?: number,
  } = {}): Promise<string> {
    const id = randomUUID()
    const startedAt = options.startedAt ?? Date.now()
    await api.startRun('m1', { id, targetId, startedAt: new Date(startedAt).toISOString() })
    await api.finishRun('m1', id, {
      status, finishedAt: new Date(startedAt + 1000).toISOString(), metrics: options.metrics ?? null,
      summary: options.summary ?? null, errorMessage: status === 'error' ? 'broke' : null,
    })
    return id
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer(serverOptionsFor(db))
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
    await api.registerAgent({ name: 'm1' })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('exposes the last run, recent verdicts and running totals per site, lint-clean and without URLs', async () => {
    const shop = await api.createTarget({
      url: 'https://shop.example.com/search?q=shoes&token=s3cret', label: 'Shop "main" \\ Grüße', runIntervalMs: 60_000,
    })
    const quiet = await api.createTarget({ url: 'https://quiet.example.com/', label: 'Quiet', enabled: false })
    const t0 = Date.now() - 60_000
    await run(shop.id, 'failed', { startedAt: t0, metrics: metrics(100), summary: {
      statusCodes: { 200: 90, 301: 2, 404: 3, 503: 5 }, errorKinds: { timeout: 4, refused: 1 },
    } })
    await run(shop.id, 'error', { startedAt: t0 + 10_000 })
    await run(shop.id, 'passed', { startedAt: t0 + 20_000, metrics: metrics(250, 0.02), summary: {
      statusCodes: { 200: 147, 500: 1, 999: 7, abc: 1 }, errorKinds: { dns: 2, nonsense: 9, reset: -3 },
    } })
    // A run still going counts for "last started" but not as a verdict.
    const runningStart = t0 + 30_000
    await api.startRun('m1', { id: randomUUID(), targetId: shop.id, startedAt: new Date(runningStart).toISOString() })

    const { text, samples } = await scrape()
    const s = { site_id: shop.id, site: 'Shop "main" \\ Grüße' }
    expect(sampleValue(samples, 'loadfleet_site_last_run_latency_seconds', { ...s, percentile: 'p50' })).toBe(0.125)
    expect(sampleValue(samples, 'loadfleet_site_last_run_latency_seconds', { ...s, percentile: 'p95' })).toBe(0.25)
    expect(sampleValue(samples, 'loadfleet_site_last_run_latency_seconds', { ...s, percentile: 'p99' })).toBe(0.5)
    expect(sampleValue(samples, 'loadfleet_site_last_run_error_ratio', s)).toBe(0.02)
    expect(sampleValue(samples, 'loadfleet_site_last_run_requests_per_second', s)).toBe(12.5)
    expect(sampleValue(samples, 'loadfleet_site_last_run_status', { ...s, status: 'passed' })).toBe(1)
    expect(sampleValue(samples, 'loadfleet_site_last_run_status', { ...s, status: 'failed' })).toBe(0)
    expect(sampleValue(samples, 'loadfleet_site_last_run_status', { ...s, status: 'error' })).toBe(0)
    expect(sampleValue(samples, 'loadfleet_site_recent_runs', { ...s, status: 'failed' })).toBe(1)
    expect(sampleValue(samples, 'loadfleet_site_recent_runs', { ...s, status: 'error' })).toBe(1)
    expect(sampleValue(samples, 'loadfleet_site_recent_runs', { ...s, status: 'passed' })).toBe(1)
    expect(sampleValue(samples, 'loadfleet_site_last_run_start_timestamp_seconds', s)).toBe(runningStart / 1000)
    expect(sampleValue(samples, 'loadfleet_site_last_run_finish_timestamp_seconds', s)).toBe((t0 + 21_000) / 1000)
    expect(sampleValue(samples, 'loadfleet_site_run_interval_seconds', s)).toBe(60)
    expect(sampleValue(samples, 'loadfleet_site_enabled', s)).toBe(1)
    // Running totals over both measured runs; malformed entries from an agent are ignored, not counted.
    const responses = (c: string) => sampleValue(samples, 'loadfleet_site_responses_total', { ...s, status_class: c })
    expect([responses('2xx'), responses('3xx'), responses('4xx'), responses('5xx')]).toEqual([237, 2, 3, 6])
    const errors = (k: string) => sampleValue(samples, 'loadfleet_site_request_errors_total', { ...s, kind: k })
    expect(['timeout', 'refused', 'reset', 'dns', 'tls', 'other'].map(errors)).toEqual([4, 1, 0, 2, 0, 0])
    expect(samples.filter((x) => x.name === 'loadfleet_site_request_errors_total' && x.labels.site_id === shop.id))
      .toHaveLength(6)
    const runs = (st: string) => sampleValue(samples, 'loadfleet_site_runs_total', { ...s, status: st })
    expect([runs('passed'), runs('failed'), runs('error')]).toEqual([1, 1, 1])

    // A paused site that never ran: its schedule is there, its run figures are absent (not 0).
    const q = { site_id: quiet.id, site: 'Quiet' }
    expect(sampleValue(samples, 'loadfleet_site_enabled', q)).toBe(0)
    expect(sampleValue(samples, 'loadfleet_site_last_run_latency_seconds', { ...q, percentile: 'p95' })).toBeUndefined()
    expect(sampleValue(samples, 'loadfleet_site_last_run_start_timestamp_seconds', q)).toBeUndefined()
    expect(sampleValue(samples, 'loadfleet_site_last_run_status', { ...q, status: 'passed' })).toBeUndefined()
    expect(sampleValue(samples, 'loadfleet_site_recent_runs', { ...q, status: 'failed' })).toBe(0)
    expect(sampleValue(samples, 'loadfleet_site_responses_total', { ...q, status_class: '5xx' })).toBe(0)
    // Added, then edited: "no run since" counts from the edit, so the two times are told apart.
    const created = sampleValue(samples, 'loadfleet_site_created_timestamp_seconds', q) ?? 0
    expect(sampleValue(samples, 'loadfleet_site_updated_timestamp_seconds', q)).toBe(created)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await api.updateTarget(quiet.id, { enabled: true })
    const edited = (await scrape()).samples
    expect(sampleValue(edited, 'loadfleet_site_updated_timestamp_seconds', q)).toBeGreaterThan(created)
    expect(sampleValue(edited, 'loadfleet_site_created_timestamp_seconds', q)).toBe(created)

    // Bounded labels: the site's id and label, never its URL.
    expect(text).not.toContain('shop.example.com')
    expect(text).not.toContain('s3cret')
    const siteLabelNames = new Set(samples.filter((x) => x.name.startsWith('loadfleet_site_'))
      .flatMap((x) => Object.keys(x.labels)))
    expect([...siteLabelNames].sort()).toEqual([
      'alertname', 'alertstate', 'kind', 'metric', 'percentile', 'severity', 'site', 'site_id', 'status', 'status_class',
    ])
    if (requirePromtool('the lint of the per-site series')) {
      expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).trim()).toBe('')
    }
  })

  it('counts a repeated result once, and a run without figures leaves the latency absent', async () => {
    // No label: the site is named by its URL's host, never by its path or query string.
    const site = await api.createTarget({ url: 'https://again.example.com:8443/p?token=s3cret' })
    const id = randomUUID()
    await api.startRun('m1', { id, targetId: site.id })
    const body = {
      status: 'failed' as const, metrics: null, summary: { statusCodes: {}, errorKinds: { refused: 100 } },
    }
    await api.finishRun('m1', id, body)
    await api.finishRun('m1', id, body)
    const { text, samples } = await scrape()
    expect(text).not.toContain('s3cret')
    const s = { site_id: site.id, site: 'again.example.com:8443' }
    expect(sampleValue(samples, 'loadfleet_site_request_errors_total', { ...s, kind: 'refused' })).toBe(100)
    expect(sampleValue(samples, 'loadfleet_site_runs_total', { ...s, status: 'failed' })).toBe(1)
    expect(sampleValue(samples, 'loadfleet_site_last_run_status', { ...s, status: 'failed' })).toBe(1)
    expect(sampleValue(samples, 'loadfleet_site_last_run_latency_seconds', { ...s, percentile: 'p95' })).toBeUndefined()
    expect(sampleValue(samples, 'loadfleet_site_last_run_error_ratio', s)).toBeUndefined()
  })

  it('shows each detector metric as 0 or 1: 1 only while a change on it is open', async () => {
    const site = await api.createTarget({ url: 'https://changes.example.com/', label: 'Changes' })
    const runId = await run(site.id, 'passed', { metrics: metrics(50) })
    // Changes as the detector records them, written straight into the store this server reads.
    const store = new Store(await openDatabase(db.databaseUrl === undefined
      ? { kind: 'sqlite', file: `${db.dataDir}/loadfleet.db` }
      : { kind: 'postgres', url: db.databaseUrl }))
    const change = (metric: string, state: 'open' | 'resolved' | 'accepted') => ({
      id: randomUUID(), target_id: site.id, metric, direction: 'increase' as const, state, started_run_id: runId,
      started_at: Date.now(), detected_at: Date.now(), detected_run_id: runId,
      resolved_at: state === 'resolved' ? Date.now() : null, accepted_at: state === 'accepted' ? Date.now() : null,
      details_json: '{}',
    })
    await store.db.insertInto('changes')
      .values([change('p95', 'open'), change('error_rate', 'accepted'), change('p99', 'resolved')]).execute()
    await store.close()
    const { samples } = await scrape()
    const regression = samples.filter((x) => x.name === 'loadfleet_site_regression' && x.labels.site_id === site.id)
    expect(Object.fromEntries(regression.map((x) => [x.labels.metric, x.value]))).toEqual({
      ...Object.fromEntries(CHANGE_METRICS.map((m) => [m, 0])), p95: 1,
    })
  })

  it('shows the open alerts of the built-in rules by name, severity and state', async () => {
    const site = await api.createTarget({ url: 'https://failing.example.com/', label: 'Failing' })
    const open = (samples: Sample[]) => samples.filter((x) => x.name === 'loadfleet_site_alerts' && x.labels.site_id === site.id)
    await run(site.id, 'passed', { metrics: metrics(10, 0) })
    await server.alertNow()
    expect(open((await scrape()).samples).filter((x) => x.value > 0)).toEqual([])
    await run(site.id, 'error')
    await run(site.id, 'error')
    await server.alertNow()
    const firing = open((await scrape()).samples).filter((x) => x.value > 0)
    expect(firing.map((x) => ({ ...x.labels, value: x.value }))).toContainEqual(expect.objectContaining({
      alertname: 'SiteFailing', severity: 'critical', alertstate: 'firing', value: 1,
    }))
  })

  it('drops every series of a deleted site', async () => {
    const gone = await api.createTarget({ url: 'https://gone.example.com/', label: 'Gone' })
    await run(gone.id, 'passed', { metrics: metrics(10), summary: { statusCodes: { 200: 1 }, errorKinds: {} } })
    expect(sampleValue((await scrape()).samples, 'loadfleet_site_runs_total', { site_id: gone.id, status: 'passed' }))
      .toBe(1)
    await api.deleteTarget(gone.id)
    const { samples } = await scrape()
    expect(samples.filter((x) => x.labels.site_id === gone.id)).toEqual([])
  })
})
