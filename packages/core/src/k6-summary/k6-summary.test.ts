import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runMetricsOf, type RunResult } from '../run-result.js'
import { k6PathId, parseK6HandleSummary, parseK6SummaryExport, toK6SummaryExport, type K6SummaryData } from './index.js'

// Real outputs of k6 v1.3.0, shared by the whole repository (see its README).
const FIXTURES = new URL('../../../../fixtures/k6/', import.meta.url)
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'))
const exportFiles = readdirSync(FIXTURES).filter((f) => f.startsWith('summary-export-') && f.endsWith('.json'))

function resultOf (data: K6SummaryData): RunResult {
  return {
    engine: 'k6', outcome: data.thresholds.every((t) => t.ok) ? 'passed' : 'failed', startedAt: 0,
    finishedAt: data.durationMs, ...data, statusCodes: {}, errorKinds: {},
  }
}

/** Keys at every depth, so two documents compare by structure rather than by measured values. */
function shapeOf (x: unknown): unknown {
  if (typeof x !== 'object' || x === null) return typeof x
  return Object.fromEntries(Object.keys(x).sort().map((k) => [k, shapeOf((x as Record<string, unknown>)[k])]))
}

describe('parseK6SummaryExport', () => {
  it('finds the four export fixtures', () => {
    expect(exportFiles.sort()).toEqual([
      'summary-export-default-stats.json', 'summary-export-errors-checks.json',
      'summary-export-full-mode.json', 'summary-export-thresholds-crossed.json',
    ])
  })

  it.each(exportFiles)('reads %s with every metric typed', (file) => {
    const data = parseK6SummaryExport(read(file))
    expect(Object.keys(data.metrics)).toContain('http_req_duration')
    expect(data.metrics.http_req_duration).toMatchObject({ type: 'trend', contains: 'time' })
    expect(data.metrics.http_reqs).toMatchObject({ type: 'counter', contains: 'default' })
    expect(data.metrics.data_received).toMatchObject({ type: 'counter', contains: 'data' })
    expect(data.metrics.http_req_failed?.type).toBe('rate')
    expect(data.metrics.vus_max?.type ?? 'gauge').toBe('gauge')
    expect(data.durationMs).toBeGreaterThan(0)
  })

  it('inverts the threshold polarity: true in the file means FAILED', () => {
    const data = parseK6SummaryExport(read('summary-export-thresholds-crossed.json'))
    expect(data.thresholds).toEqual([
      { metric: 'checks', expression: 'rate>0.9', ok: true, abortOnFail: false },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false, abortOnFail: false },
      { metric: 'http_req_duration', expression: 'p(95)<50', ok: true, abortOnFail: false },
      { metric: 'http_req_duration', expression: 'p(99)<500', ok: true, abortOnFail: false },
    ])
    expect(data.metrics.http_req_failed?.values).toEqual({ rate: 0.024752475247524754, passes: 15, fails: 591 })
    expect(data.checks).toEqual([{ name: 'status is 200', passes: 288, fails: 15 }])
  })

  it('recovers the duration from counter rates (the export has no state)', () => {
    const data = parseK6SummaryExport(read('summary-export-thresholds-crossed.json'))
    expect(data.durationMs).toBeCloseTo(4127.904041, 0) // handleSummary's testRunDurationMs of the same run
    expect(parseK6SummaryExport(read('summary-export-thresholds-crossed.json'), { durationMs: 4000 }).durationMs).toBe(4000)
  })

  it('gives the agent p(99) when k6 was asked for it, and none when it was not', () => {
    const crossed = runMetricsOf(resultOf(parseK6SummaryExport(read('summary-export-thresholds-crossed.json'))))
    expect(crossed).toMatchObject({ p50_ms: 4.56129, p95_ms: 10.44015375, p99_ms: 101.3986467, iterations: 303 })
    expect(crossed.error_rate).toBeCloseTo(0.0247525, 6)
    const defaults = parseK6SummaryExport(read('summary-export-default-stats.json'))
    expect(defaults.metrics.http_req_duration?.values['p(99)']).toBeUndefined()
    expect(defaults.thresholds).toEqual([{ metric: 'http_req_duration', expression: 'p(95)<1000', ok: true, abortOnFail: false }])
  })

  it('collects checks from nested groups, named by their path', () => {
    const data = parseK6SummaryExport(read('summary-export-errors-checks.json'))
    expect(data.checks).toEqual([
      { name: 'ok::status is 200', passes: 20, fails: 0 },
      { name: 'missing::status is 200', passes: 0, fails: 20 },
    ])
    expect(data.metrics.group_duration?.type).toBe('trend')
    expect(data.thresholds.find((t) => t.metric === 'http_req_failed')?.ok).toBe(false)
  })

  it.each([null, [], 'x', {}, { metrics: [] }])('rejects %j with LF_K6_SUMMARY_INVALID', (json) => {
    expect(() => parseK6SummaryExport(json)).toThrow(expect.objectContaining({ code: 'LF_K6_SUMMARY_INVALID' }))
  })
})

describe('parseK6HandleSummary', () => {
  it('reads the same run as its export, with ok: true meaning passed', () => {
    const fromHandle = parseK6HandleSummary(read('handle-summary-thresholds-crossed.json'))
    const fromExport = parseK6SummaryExport(read('summary-export-thresholds-crossed.json'))
    expect(fromHandle.metrics).toEqual(fromExport.metrics)
    expect(fromHandle.checks).toEqual(fromExport.checks)
    expect(fromHandle.durationMs).toBe(4127.904041)
    expect(fromHandle.thresholds.filter((t) => !t.ok)).toEqual([
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false, abortOnFail: false },
    ])
  })
})

describe('toK6SummaryExport', () => {
  it.each(exportFiles)('writes %s back with the same key structure', (file) => {
    const fixture = read(file)
    const written = toK6SummaryExport(resultOf(parseK6SummaryExport(fixture)))
    expect(shapeOf(written.metrics)).toEqual(shapeOf((fixture as { metrics: unknown }).metrics))
    expect(Object.keys(written).sort()).toEqual(Object.keys(fixture as object).sort())
  })

  it('reproduces the thresholds-crossed export exactly, check ids included', () => {
    const fixture = read('summary-export-thresholds-crossed.json')
    const written = toK6SummaryExport(resultOf(parseK6SummaryExport(fixture)))
    expect(JSON.parse(JSON.stringify(written))).toEqual(fixture)
    expect(k6PathId('')).toBe('d41d8cd98f00b204e9800998ecf8427e')
  })

  it('marks a failed verdict true and keeps counters, gauges and rates in k6 form', () => {
    const written = toK6SummaryExport({
      engine: 'loadfleet', outcome: 'failed', startedAt: 0, finishedAt: 1000, durationMs: 1000, statusCodes: {}, errorKinds: {},
      metrics: {
        http_reqs: { type: 'counter', contains: 'default', values: { count: 10, rate: 10 } },
        http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0.1, passes: 1, fails: 9 } },
        vus: { type: 'gauge', contains: 'default', values: { value: 2, min: 1, max: 2 } },
      },
      thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.01', ok: false, abortOnFail: true }],
    })
    expect(written.metrics).toEqual({
      http_reqs: { count: 10, rate: 10 },
      http_req_failed: { passes: 1, fails: 9, value: 0.1, thresholds: { 'rate<0.01': true } },
      vus: { value: 2, min: 1, max: 2 },
    })
    expect(written.root_group).toEqual({ name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: {}, checks: {} })
  })
})
