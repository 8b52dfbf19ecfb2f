import { beforeAll, describe, expect, it } from 'vitest'
import { MetricsRegistry } from './registry.js'
import type { HopSample } from './registry.js'
import { initHistograms } from './trend.js'

function sample (over: Partial<HopSample>): HopSample {
  return {
    status: 200, errorKind: null, blockedUs: 1, connectingUs: 0, tlsHandshakingUs: 0, sendingUs: 10,
    waitingUs: 900, receivingUs: 90, durationUs: 1000, bytesSent: 50, bytesReceived: 120, url: 'http://x/', ...over,
  }
}
const home = { name: 'home', method: 'GET', scenario: 'default' }
const api = { name: 'api', method: 'POST', scenario: 'default' }

describe('MetricsRegistry', () => {
  beforeAll(async () => {
    await initHistograms()
  })

  it('counts requests, bytes, statuses, error kinds and failures with k6 names', () => {
    const m = new MetricsRegistry(['http_req_duration{name:api}', 'http_reqs{status:500}', 'http_req_failed{name:home}'])
    m.recordHttp(sample({}), true, home)
    m.recordHttp(sample({ status: 500, durationUs: 3000 }), false, api)
    m.recordHttp(sample({ status: 0, errorKind: 'refused', bytesSent: 0, bytesReceived: 0 }), false, home)
    m.recordIteration(5000)
    const check = m.checkIndex('home status is 200')
    expect(m.checkIndex('home status is 200')).toBe(check)
    m.recordCheck(check, true)
    m.recordCheck(check, false)
    const s = m.summaries(['avg', 'max', 'p(95)'], 2000)
    expect(s.http_reqs?.values).toEqual({ count: 3, rate: 1.5 })
    expect(s.data_sent?.values.count).toBe(100)
    expect(s.data_received?.values.count).toBe(240)
    expect(s.http_req_failed?.values).toEqual({ rate: 2 / 3, passes: 2, fails: 1 })
    expect(s['http_req_duration{expected_response:true}']?.values.max).toBe(1)
    expect(s['http_req_duration{name:api}']?.values.avg).toBe(3)
    expect(s['http_reqs{status:500}']?.values.count).toBe(1)
    expect(s['http_req_failed{name:home}']?.values.rate).toBe(0.5)
    expect(s.checks?.values).toEqual({ rate: 0.5, passes: 1, fails: 1 })
    expect(s.iteration_duration?.contains).toBe('time')
    expect(s.dropped_iterations).toBeUndefined()
    expect(m.statusCodes()).toEqual({ 200: 1, 500: 1 })
    expect(m.errorKinds()).toEqual({ refused: 1 })
    expect(m.checkResults()).toEqual([{ name: 'home status is 200', passes: 1, fails: 1 }])
    expect(Object.keys(m.histograms())).toContain('http_req_duration{name:api}')
    m.destroy()
  })

  it('answers thresholds, and says undefined while a metric has no samples', () => {
    const m = new MetricsRegistry()
    expect(m.statValue('http_req_duration', 'p(95)', 1000)).toBeUndefined()
    expect(m.statValue('http_req_failed', 'rate', 1000)).toBeUndefined()
    m.recordHttp(sample({ durationUs: 2500 }), true, home)
    expect(m.statValue('http_req_duration', 'avg', 1000)).toBe(2.5)
    expect(m.statValue('http_reqs', 'count', 1000)).toBe(1)
    expect(m.statValue('http_req_failed', 'rate', 1000)).toBe(0)
    expect(m.statValue('no_such_metric', 'count', 1000)).toBeUndefined()
    m.destroy()
  })
})
