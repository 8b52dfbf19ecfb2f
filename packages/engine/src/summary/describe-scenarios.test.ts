import { parseTestObject } from '@loadfleet/core'
import { describe, expect, it } from 'vitest'
import { describeScenarios, goDuration } from './describe-scenarios.js'

const url = 'http://127.0.0.1/'

describe('describeScenarios (lines copied from k6 v1.3.0 output)', () => {
  it.each([
    [{ vus: 10, duration: '3s' }, [
      '     scenarios: (100.00%) 1 scenario, 10 max VUs, 33s max duration (incl. graceful stop):',
      '              * default: 10 looping VUs for 3s (gracefulStop: 30s)',
    ]],
    [{ vus: 2, iterations: 20 }, [
      '     scenarios: (100.00%) 1 scenario, 2 max VUs, 10m30s max duration (incl. graceful stop):',
      '              * default: 20 iterations shared among 2 VUs (maxDuration: 10m0s, gracefulStop: 30s)',
    ]],
  ])('%j', (options, lines) => {
    const spec = parseTestObject({ options, requests: [{ url }] }).value
    expect(spec && describeScenarios(spec)).toEqual(lines)
  })

  it('describes ramping and arrival-rate scenarios', () => {
    const spec = parseTestObject({
      options: {
        scenarios: {
          ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '30s', target: 20 }, { duration: '30s', target: 0 }] },
          open: { executor: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '1m', preAllocatedVUs: 2, maxVUs: 5,
            startTime: '10s' },
        },
      },
      requests: [{ url }],
    }).value
    expect(spec && describeScenarios(spec)).toEqual([
      '     scenarios: (100.00%) 2 scenarios, 25 max VUs, 1m40s max duration (incl. graceful stop):',
      '              * ramp: Up to 20 looping VUs for 1m0s over 2 stages (gracefulRampDown: 30s, gracefulStop: 30s)',
      '              * open: 0.50 iterations/s for 1m0s (startTime: 10s, maxVUs: 2-5, gracefulStop: 30s)',
    ])
  })

  it.each([[0, '0s'], [250, '250ms'], [1500, '1.5s'], [600_000, '10m0s'], [3_600_000, '1h0m0s']])('goDuration(%s) = %s', (ms, s) => {
    expect(goDuration(ms)).toBe(s)
  })
})
