import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTest } from '@loadfleet/engine'
import { reply, startTarget } from './helpers/target.js'
import type { Target } from './helpers/target.js'
import { constantVus, perVu, step, testSpec } from './helpers/spec.js'

let target: Target

beforeAll(async () => {
  target = await startTarget((req, res) => {
    const path = req.url ?? '/'
    if (path === '/created') reply(res, 201, 'made')
    else if (path === '/missing') reply(res, 404, 'nope')
    else if (path === '/redirect') {
      res.statusCode = 302
      res.setHeader('location', '/created')
      res.end()
    } else if (path.startsWith('/fail')) reply(res, 500, 'boom')
    else reply(res, 200, 'ok')
  })
})
afterAll(async () => {
  await target.close()
})

describe('checks, expected statuses and http_req_failed', () => {
  it('judges each step by its expect.status and the default 200–399 otherwise', async () => {
    const result = await runTest(testSpec({
      scenarios: [perVu(3, 4)],
      requests: [
        step(`${target.url}/created`, { name: 'create', expectStatus: [201] }),
        step(`${target.url}/missing`, { name: 'missing', expectStatus: [200] }),
        step(`${target.url}/missing`, { name: 'plain' }),
        step(`${target.url}/redirect`, { name: 'redirect', expectStatus: [201] }),
      ],
    }))
    // 12 iterations × (create ✓, missing ✗, redirect ✓); 'plain' declares no expectation, so it is no check.
    expect(result.metrics.checks?.values).toEqual({ rate: 24 / 36, passes: 24, fails: 12 })
    // 5 exchanges per iteration (the redirect is two hops); the two 404s fail.
    expect(result.metrics.http_reqs?.values.count).toBe(60)
    expect(result.metrics.http_req_failed?.values).toMatchObject({ passes: 24, fails: 36 })
    expect(result.statusCodes).toEqual({ 201: 24, 302: 12, 404: 24 })
    expect(result.metrics['http_req_duration{expected_response:true}']).toBeDefined()
    expect(result.checks).toEqual([
      { name: 'create status is 201', passes: 12, fails: 0 },
      { name: 'missing status is 200', passes: 0, fails: 12 },
      { name: 'redirect status is 201', passes: 12, fails: 0 },
    ])
  })
})

describe('error kinds', () => {
  it('counts refused connections, timeouts and resets exactly, never throwing', async () => {
    const closed = createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const refusedPort = (closed.address() as AddressInfo).port
    closed.close()
    const sockets = new Set<Socket>()
    const silent = createServer((s) => sockets.add(s)) // accepts, never answers
    const resetting = createServer((s) => s.once('data', () => s.resetAndDestroy()))
    for (const server of [silent, resetting]) {
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
    }
    const urlOf = (s: typeof silent): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`
    try {
      const result = await runTest(testSpec({
        scenarios: [perVu(2, 3)],
        requests: [
          step(`http://127.0.0.1:${refusedPort}/`, { name: 'refused' }),
          step(urlOf(silent), { name: 'timeout', timeoutMs: 150 }),
          step(urlOf(resetting), { name: 'reset' }),
        ],
      }))
      expect(result.outcome).toBe('passed')
      expect(result.errorKinds).toEqual({ refused: 6, timeout: 6, reset: 6 })
      expect(result.statusCodes).toEqual({})
      expect(result.metrics.http_req_failed?.values).toEqual({ rate: 1, passes: 18, fails: 0 })
      expect(result.metrics.iterations?.values.count).toBe(6)
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
      resetting.close()
    }
  })
})

describe('thresholds', () => {
  it('crossing a threshold makes the outcome failed and marks the verdict on the metric', async () => {
    const result = await runTest(testSpec({
      scenarios: [perVu(2, 5)],
      requests: [step(`${target.url}/fail`, { name: 'bad' }), step(`${target.url}/`, { name: 'good' })],
      thresholds: [
        { metric: 'http_req_failed', expression: 'rate<0.1', abortOnFail: false, delayAbortEvalMs: 0 },
        { metric: 'http_req_failed{name:good}', expression: 'rate==0', abortOnFail: false, delayAbortEvalMs: 0 },
        { metric: 'http_reqs', expression: 'count==20', abortOnFail: false, delayAbortEvalMs: 0 },
      ],
    }))
    expect(result.outcome).toBe('failed')
    expect(result.thresholds.map((t) => t.ok)).toEqual([false, true, true])
    expect(result.metrics.http_req_failed?.thresholds).toEqual({ 'rate<0.1': { ok: false } })
    expect(result.metrics['http_req_failed{name:good}']?.values.rate).toBe(0)
  })

  it('abortOnFail stops the run early once delayAbortEval has passed', async () => {
    const started = performance.now()
    const result = await runTest(testSpec({
      scenarios: [constantVus(2, 20_000)],
      requests: [step(`${target.url}/fail`)],
      sleepMs: 10,
      thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.5', abortOnFail: true, delayAbortEvalMs: 1_000 }],
    }))
    const wallMs = performance.now() - started
    expect(result.abortedBy).toBe('threshold')
    expect(result.outcome).toBe('failed')
    expect(wallMs).toBeGreaterThanOrEqual(1_000)
    expect(wallMs).toBeLessThan(4_000)
    expect(result.durationMs).toBeLessThan(4_000)
  })
})

describe('run errors', () => {
  it('returns outcome error, not a rejection, when the test cannot run', async () => {
    const result = await runTest(testSpec({ scenarios: [perVu(1, 1)], requests: [step('not a url')] }))
    expect(result.outcome).toBe('error')
    expect(result.errorMessage).toMatch(/URL/i)
  })
})
