import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunMetrics } from '@loadfleet/api'
import { openDatabase, type DatabaseLocation } from '../src/db/database.js'
import { Store } from '../src/db/store.js'
import { finishRun, startRun } from '../src/db/run-lifecycle.js'
import { bucketRuns } from '../src/series/series-buckets.js'
import { createTestDatabase, type TestDatabase } from './helpers/databases.js'

const spec = {
  url: 'https://example.com/', label: 'Example', vus: 2, durationS: 30, runIntervalMs: 60_000, enabled: true,
  thresholds: {}, expectedStatuses: ['200-399'],
}
const defaultThresholds = { http_req_failed: ['rate<0.05'] }
const metrics = (p95: number): RunMetrics => ({
  p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 2, avg_ms: p95 / 2, error_rate: 0.02, rps: 12.5,
  data_received_bytes: 123_456_789, iterations: 4242,
})

// Every assertion here runs against both stores: one query layer, one set of migrations.
describe.each(['sqlite', 'postgres'] as const)('store on %s', (kind) => {
  let db: TestDatabase
  let location: DatabaseLocation
  let store: Store

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    location = db.databaseUrl === undefined
      ? { kind: 'sqlite', file: `${db.dataDir}/loadfleet.db` }
      : { kind: 'postgres', url: db.databaseUrl }
    store = new Store(await openDatabase(location))
  })
  afterAll(async () => {
    await store.close()
    await db.drop()
  })

  it('applies migrations once: reopening the same database keeps the data', async () => {
    const target = await store.createTarget(spec, 'tester')
    const again = new Store(await openDatabase(location))
    expect(await again.repos.targets.get(target.id)).toEqual(target)
    await again.close()
    expect(store.dialect).toBe(kind)
  })

  it('creates, updates and deletes targets with an audit entry each, in one transaction', async () => {
    const target = await store.createTarget({ ...spec, label: 'Grüße 👋' }, 'alice')
    expect(target).toMatchObject({ label: 'Grüße 👋', enabled: true, vus: 2 })
    const updated = await store.updateTarget(target.id, { enabled: false, label: undefined }, 'bob')
    expect(updated.enabled).toBe(false)
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(target.updatedAt))
    await store.deleteTarget(target.id, 'carol')
    expect(await store.repos.targets.get(target.id)).toBeUndefined()
    const audit = await store.repos.audit.list({ limit: 3 })
    expect(audit.data.map((a) => [a.actor, a.action, a.entityId])).toEqual([
      ['carol', 'delete', target.id], ['bob', 'update', target.id], ['alice', 'create', target.id],
    ])
    expect(audit.data[1]?.change).toEqual({ enabled: { from: true, to: false } })
    const auditBefore = (await store.repos.audit.list({ limit: 200 })).data.length
    await expect(store.deleteTarget('missing', 'dave')).rejects.toMatchObject({ code: 'LF_TARGET_NOT_FOUND' })
    expect((await store.repos.audit.list({ limit: 200 })).data.length).toBe(auditBefore)
  })

  it('rolls a failed transaction back completely', async () => {
    const countBefore = (await store.repos.targets.list()).length
    await expect(store.transaction(async (r) => {
      await r.targets.create({ id: 'rollback-me', spec, now: Date.now() })
      throw new Error('boom')
    })).rejects.toThrow('boom')
    expect((await store.repos.targets.list()).length).toBe(countBefore)
  })

  it('stores the desired agent count and audits the change', async () => {
    expect(await store.repos.config.get()).toEqual({ k6DesiredAgentCount: 0, defaultThresholds })
    await store.setConfig({ k6DesiredAgentCount: 20 }, 'alice')
    expect(await store.repos.config.get()).toEqual({ k6DesiredAgentCount: 20, defaultThresholds })
    const [entry] = (await store.repos.audit.list({ limit: 1 })).data
    expect(entry).toMatchObject({ entity: 'config', change: { k6DesiredAgentCount: { from: 0, to: 20 } } })
  })

  it('upserts agents by name and counts them by status as numbers', async () => {
    const first = await store.repos.agents.register({ name: 'k6agent-0', version: '1', credentialHash: 'aa', now: 1_000 })
    const again = await store.repos.agents.register({ name: 'k6agent-0', version: '2', credentialHash: 'bb', now: 2_000 })
    expect(first.version).toBe('1')
    expect(again).toMatchObject({ version: '2', lastSeenAt: new Date(2_000).toISOString(), status: 'online' })
    expect((await store.repos.agents.list()).filter((a) => a.name === 'k6agent-0')).toHaveLength(1)
    // Registering again replaces the credential: the earlier one belongs to nobody any more.
    expect(await store.repos.agents.credentialHashOf('k6agent-0')).toBe('bb')
    expect(await store.repos.agents.nameOfCredentialHash('aa')).toBeUndefined()
    expect(await store.repos.agents.nameOfCredentialHash('bb')).toBe('k6agent-0')
    const counts = await store.repos.agents.countByStatus()
    expect(counts.online).toBeTypeOf('number')
    expect(counts.online).toBeGreaterThanOrEqual(1)
  })

  it('starts runs idempotently, records the per-agent last start, and finishes them idempotently', async () => {
    const target = await store.createTarget(spec, 'alice')
    const other = await store.createTarget(spec, 'alice')
    await store.repos.agents.register({ name: 'a1', version: '1', credentialHash: 'cc', now: Date.now() })
    const startedAt = Date.parse('2026-01-02T03:04:05.678Z')
    const first = await startRun(store, { agentName: 'a1', id: 'run-idem-0001', targetId: target.id, startedAt })
    expect(first.created).toBe(true)
    const retry = await startRun(store, { agentName: 'a1', id: 'run-idem-0001', targetId: target.id, startedAt })
    expect(retry).toEqual({ run: first.run, created: false })
    await expect(startRun(store, { agentName: 'a1', id: 'run-idem-0001', targetId: other.id, startedAt }))
      .rejects.toMatchObject({ code: 'LF_RUN_CONFLICT', statusCode: 409 })
    await expect(startRun(store, { agentName: 'a1', id: 'run-idem-0002', targetId: 'nope', startedAt }))
      .rejects.toMatchObject({ code: 'LF_TARGET_NOT_FOUND' })
    expect((await store.repos.agents.get('a1'))).toMatchObject({ status: 'busy', currentRunId: 'run-idem-0001' })
    const forAgent = await store.targetsForAgent('a1')
    expect(forAgent.find((t) => t.id === target.id)?.lastStartedAt).toBe('2026-01-02T03:04:05.678Z')
    expect(forAgent.find((t) => t.id === other.id)?.lastStartedAt).toBeNull()
    expect((await store.targetsForAgent('a2')).find((t) => t.id === target.id)?.lastStartedAt).toBeNull()

    const summary = { metrics: { http_reqs: { values: { count: 4242 } } }, nested: { b: 1, a: [1, 2, { z: null }] } }
    const result = { agentName: 'a1', id: 'run-idem-0001', status: 'passed' as const, finishedAt: startedAt + 30_000,
      errorMessage: null, metrics: metrics(80), summary }
    const done = await finishRun(store, result)
    expect(done).toMatchObject({ status: 'passed', metrics: metrics(80), finishedAt: '2026-01-02T03:04:35.678Z' })
    // The same result again (keys in another order) is stored once and answered the same.
    const reordered = { ...result, summary: { nested: { a: [1, 2, { z: null }], b: 1 }, metrics: summary.metrics } }
    expect(await finishRun(store, reordered)).toEqual(done)
    await expect(finishRun(store, { ...result, status: 'failed' })).rejects.toMatchObject({ code: 'LF_RUN_CONFLICT' })
    await expect(finishRun(store, { ...result, agentName: 'a2' })).rejects.toMatchObject({ code: 'LF_RUN_NOT_OWNED', statusCode: 403 })
    await expect(startRun(store, { agentName: 'a2', id: 'run-idem-0001', targetId: target.id, startedAt }))
      .rejects.toMatchObject({ code: 'LF_RUN_NOT_OWNED', statusCode: 403 })
    expect((await store.repos.agents.get('a1'))).toMatchObject({ status: 'online', currentRunId: null })
    expect((await store.repos.runs.getDetail('run-idem-0001'))?.summary).toEqual(summary)
  })

  it('keeps run history when its target and its agent are deleted', async () => {
    const target = await store.createTarget(spec, 'alice')
    await store.repos.agents.register({ name: 'short-lived', version: '1', credentialHash: 'dd', now: Date.now() })
    await startRun(store, { agentName: 'short-lived', id: 'run-history-1', targetId: target.id, startedAt: Date.now() })
    await store.deleteTarget(target.id, 'alice')
    await store.db.deleteFrom('agents').where('name', '=', 'short-lived').execute()
    const run = await store.repos.runs.get('run-history-1')
    expect(run).toMatchObject({ targetId: target.id, agentName: 'short-lived', targetLabel: null, targetUrl: null })
  })

  it('pages runs newest first by (startedAt, id), with filters, across ties and without gaps or repeats', async () => {
    const a = await store.createTarget(spec, 'x')
    const b = await store.createTarget(spec, 'x')
    const base = Date.parse('2030-01-01T00:00:00Z')
    const ids: string[] = []
    await store.transaction(async (r) => {
      for (let i = 0; i < 57; i++) {
        const id = `page-run-${String(i).padStart(4, '0')}`
        ids.push(id)
        // Groups of three share a start time, so the id breaks ties.
        await r.runs.insertRunning({ id, targetId: i % 2 === 0 ? a.id : b.id, agentName: 'p', durationS: 1, startedAt: base + Math.floor(i / 3) * 1000 })
      }
    })
    for (const id of ids.filter((_, i) => i % 5 === 0)) {
      await store.db.updateTable('runs').set({ status: 'failed' }).where('id', '=', id).execute()
    }
    const walk = async (query: { targetId?: string, status?: 'failed' | 'running' }, limit: number) => {
      const seen: string[] = []
      let cursor: string | undefined
      for (let guard = 0; guard < 100; guard++) {
        const page = await store.repos.runs.list({ ...query, cursor, limit })
        seen.push(...page.data.map((r) => r.id))
        if (page.nextCursor === null) return seen
        cursor = page.nextCursor
      }
      throw new Error('pagination did not end')
    }
    const pageIds = (await walk({}, 10)).filter((id) => id.startsWith('page-run-'))
    expect(pageIds).toEqual([...ids].reverse())
    expect(await walk({ targetId: a.id }, 7)).toEqual(ids.filter((_, i) => i % 2 === 0).reverse())
    const failed = (await walk({ status: 'failed' }, 4)).filter((id) => id.startsWith('page-run-'))
    expect(failed).toEqual(ids.filter((_, i) => i % 5 === 0).reverse())
    const both = await walk({ targetId: b.id, status: 'failed' }, 3)
    expect(both).toEqual(ids.filter((_, i) => i % 5 === 0 && i % 2 === 1).reverse())
  })

  it('computes target stats and the p95 trend from the newest finished runs', async () => {
    const target = await store.createTarget(spec, 'x')
    const t0 = Date.parse('2031-01-01T00:00:00Z')
    for (let i = 0; i < 25; i++) {
      const id = `stats-run-${String(i).padStart(3, '0')}`
      await startRun(store, { agentName: 's', id, targetId: target.id, startedAt: t0 + i * 60_000 })
      await finishRun(store, { agentName: 's', id, status: 'passed', finishedAt: t0 + i * 60_000 + 30_000, errorMessage: null, metrics: metrics(100 + i), summary: null })
    }
    await startRun(store, { agentName: 's', id: 'stats-run-running', targetId: target.id, startedAt: t0 + 25 * 60_000 })
    const stats = (await store.targetsWithStats()).find((t) => t.id === target.id)?.stats
    expect(stats).toEqual({
      lastRunAt: new Date(t0 + 25 * 60_000).toISOString(),
      lastStatus: 'running',
      lastVerdict: 'passed',
      lastFailureReason: null,
      openChanges: [],
      p95Ms: 124,
      errorRate: 0.02,
      p95TrendMs: Array.from({ length: 20 }, (_, i) => 105 + i),
    })
    const series = await store.repos.runs.series({
      targetId: target.id, fromMs: t0 + 10 * 60_000, toMs: t0 + 12 * 60_000, maxPoints: 100,
    })
    expect(series.map((p) => p.p95Ms)).toEqual([110, 111, 112])
    expect(series[0]).toMatchObject({ runId: 'stats-run-010', t: new Date(t0 + 600_000).toISOString(), status: 'passed', rps: 12.5 })
    const detail = await store.repos.runs.get('stats-run-003')
    expect(detail?.metrics?.data_received_bytes).toBe(123_456_789)
    expect(detail?.metrics?.iterations).toBe(4242)
    expect(await store.repos.runs.countRunning()).toBeTypeOf('number')
  })

  it('keeps one open change per metric when two replicas judge the same site at once', async () => {
    const target = await store.createTarget(spec, 'x')
    const t0 = Date.parse('2033-01-01T00:00:00Z')
    // Twelve runs near 20 ms, then five at 80 ms: a p95 step any detector sees.
    const p95s = [20, 21, 19, 20, 22, 20, 19, 21, 20, 20, 21, 19, 80, 82, 79, 81, 80]
    for (const [i, p95] of p95s.entries()) {
      const id = `race-run-${String(i).padStart(3, '0')}`
      await startRun(store, { agentName: 'race', id, targetId: target.id, startedAt: t0 + i * 60_000 })
      await finishRun(store, { agentName: 'race', id, status: 'passed', finishedAt: t0 + i * 60_000 + 30_000, errorMessage: null, metrics: metrics(p95), summary: null })
    }
    // A second replica is a second pool on PostgreSQL; SQLite belongs to one process, whose transactions queue.
    const replica = kind === 'postgres' ? new Store(await openDatabase(location)) : store
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? store : replica).trackChanges(target.id)))
    } finally {
      if (replica !== store) await replica.close()
    }
    const open = await store.db.selectFrom('changes').select('metric').where('target_id', '=', target.id)
      .where('state', '=', 'open').execute()
    expect(open.map((c) => c.metric)).toContain('p95')
    expect(open.length).toBe(new Set(open.map((c) => c.metric)).size)
  })

  it('leaves an aborted run out of the series, the trend, the verdict and the chart buckets, but lists it', async () => {
    const target = await store.createTarget(spec, 'x')
    const t0 = Date.parse('2032-01-01T00:00:00Z')
    await startRun(store, { agentName: 'ab', id: 'abort-run-001', targetId: target.id, startedAt: t0 })
    await finishRun(store, { agentName: 'ab', id: 'abort-run-001', status: 'passed', finishedAt: t0 + 30_000, errorMessage: null, metrics: metrics(100), summary: null })
    await startRun(store, { agentName: 'ab', id: 'abort-run-002', targetId: target.id, startedAt: t0 + 60_000 })
    const aborted = await finishRun(store, {
      agentName: 'ab', id: 'abort-run-002', status: 'aborted', finishedAt: t0 + 70_000, errorMessage: 'agent shutting down', metrics: metrics(900), summary: null,
    })
    expect(aborted).toMatchObject({ status: 'aborted', failureReason: 'agent shutting down', verdict: null })
    const window = { targetId: target.id, fromMs: t0, toMs: t0 + 120_000 }
    const series = await store.repos.runs.series({ ...window, maxPoints: 100 })
    expect(series.map((p) => p.runId)).toEqual(['abort-run-001'])
    const rows = await store.repos.runs.seriesRows({ ...window, maxRows: 100 })
    expect(bucketRuns(rows, 3_600_000)[0]?.p95Ms).toEqual({ median: 100, p95: 100 })
    const stats = (await store.targetsWithStats()).find((t) => t.id === target.id)?.stats
    expect(stats).toMatchObject({ lastStatus: 'aborted', lastVerdict: 'passed', p95Ms: 100, p95TrendMs: [100] })
    const listed = await store.repos.runs.list({ targetId: target.id, limit: 10 })
    expect(listed.data.map((r) => r.status)).toEqual(['aborted', 'passed'])
  })
})
