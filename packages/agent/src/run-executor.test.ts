import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentTarget } from '@loadfleet/api'
import type { RunResult } from '@loadfleet/core'
import { engineFor, executeRun, finishOf } from './run-executor.js'
import { testSpecOf } from './test-spec-of.js'

let target: Server
let url: string

beforeAll(async () => {
  target = createServer((_req, res) => { res.end('ok') })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
})

afterAll(() => { target.close() })

function agentTarget (over: Partial<AgentTarget> = {}): AgentTarget {
  return {
    id: 't1', url, label: '', vus: 2, durationS: 1, runIntervalMs: 60_000, enabled: true,
    thresholds: {}, expectedStatuses: ['200-399'],
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', lastStartedAt: null, ...over,
  }
}

const DEFAULTS = { vus: 1, durationMs: 30_000, userAgent: 'loadfleet-agent/test' }

describe('engineFor', () => {
  it('uses k6 only when K6_BINARY names an existing file or a command on PATH', () => {
    expect(engineFor(undefined)).toBe('loadfleet')
    expect(engineFor('/nonexistent/k6')).toBe('loadfleet')
    expect(engineFor(process.execPath)).toBe('k6')
    expect(engineFor('node', dirname(process.execPath))).toBe('k6')
    expect(engineFor('no-such-k6-here', dirname(process.execPath))).toBe('loadfleet')
  })
})

describe('executeRun (built-in engine, local target)', () => {
  it('runs the target\'s VUs for its duration and reports passed with the guide\'s metrics', async () => {
    const spec = testSpecOf(agentTarget(), DEFAULTS)
    const { finish, result } = await executeRun({
      spec, signal: new AbortController().signal, k6Binary: undefined, tmpDir: '/tmp', runId: 'run-test-1',
    })
    expect(finish.status).toBe('passed')
    expect(finish.errorMessage).toBeNull()
    expect(finish.metrics?.iterations).toBeGreaterThanOrEqual(2) // 2 VUs, 1 s, one GET + 1 s pause each
    expect(finish.metrics?.error_rate).toBe(0)
    expect(finish.metrics?.p95_ms).toBeGreaterThan(0)
    expect(finish.summary).toBe(result)
  })

  it('reports a crossed threshold as failed', async () => {
    const spec = {
      ...testSpecOf(agentTarget({ vus: 1 }), DEFAULTS),
      thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<0', abortOnFail: false, delayAbortEvalMs: 0 }],
    }
    const { finish } = await executeRun({ spec, signal: new AbortController().signal, k6Binary: undefined, tmpDir: '/tmp', runId: 'run-test-2' })
    expect(finish.status).toBe('failed')
  })
})

describe('finishOf', () => {
  it('keeps figures inside the wire schema\'s bounds and carries the error reason', () => {
    const result: RunResult = {
      engine: 'loadfleet', outcome: 'error', startedAt: 0, finishedAt: 1000, durationMs: 0,
      metrics: {
        http_req_duration: { type: 'trend', contains: 'time', values: { med: Number.NaN, 'p(95)': 5 } },
        http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0, passes: 0, fails: 3 } },
      },
      thresholds: [], statusCodes: {}, errorKinds: {}, errorMessage: 'the target URL could not be resolved',
    }
    const finish = finishOf(result)
    expect(finish).toMatchObject({ status: 'error', errorMessage: 'the target URL could not be resolved' })
    expect(finish.metrics).toMatchObject({ p50_ms: 0, p95_ms: 5, rps: 0, iterations: 0, error_rate: 0 })
  })

  it('reports no latency (null, not 0 ms) when no request succeeded', () => {
    const result: RunResult = {
      engine: 'loadfleet', outcome: 'failed', startedAt: 0, finishedAt: 1000, durationMs: 1000,
      metrics: {
        http_req_duration: { type: 'trend', contains: 'time', values: { avg: 0, med: 0, 'p(95)': 0, 'p(99)': 0 } },
        http_req_failed: { type: 'rate', contains: 'default', values: { rate: 1, passes: 20, fails: 0 } },
      },
      thresholds: [], statusCodes: {}, errorKinds: { refused: 20 },
    }
    expect(finishOf(result).metrics)
      .toMatchObject({ p50_ms: null, p95_ms: null, p99_ms: null, avg_ms: null, error_rate: 1 })
  })
})

describe('testSpecOf', () => {
  it('hands the engine the thresholds in force and the site\'s expected statuses', () => {
    const spec = testSpecOf(agentTarget({
      expectedStatuses: [201, '203-204'],
      effectiveThresholds: { http_req_failed: ['rate<0.05'], http_req_duration: ['p(97.5)<300'] },
    }), DEFAULTS)
    expect(spec.requests[0]?.expectStatus).toEqual([201, 203, 204])
    expect(spec.thresholds).toEqual([
      { metric: 'http_req_failed', expression: 'rate<0.05', abortOnFail: false, delayAbortEvalMs: 0 },
      { metric: 'http_req_duration', expression: 'p(97.5)<300', abortOnFail: false, delayAbortEvalMs: 0 },
    ])
    expect(spec.summaryTrendStats).toContain('p(97.5)')
    // The default statuses leave the engine's own (cheaper) default in place.
    expect(testSpecOf(agentTarget(), DEFAULTS).requests[0]?.expectStatus).toBeNull()
  })
})
