import type { RunResult, TestSpec } from '@loadfleet/core'
import { describe, expect, it } from 'vitest'
import { fixedLengthDuration, renderRunEnd, renderRunHeader } from './run-banner.js'

const spec = {
  scenarios: [{ name: 'default', executor: 'constant-vus', vus: 10, durationMs: 3_000, startTimeMs: 0, gracefulStopMs: 30_000 }],
} as unknown as Pick<TestSpec, 'scenarios'>

function result (over: Partial<RunResult>): RunResult {
  return {
    engine: 'loadfleet', outcome: 'passed', startedAt: 0, finishedAt: 0, durationMs: 3_000, thresholds: [],
    statusCodes: {}, errorKinds: {}, interruptedIterations: 0,
    metrics: {
      iterations: { type: 'counter', contains: 'default', values: { count: 36490, rate: 12161 } },
      vus_max: { type: 'gauge', contains: 'default', values: { value: 10, min: 10, max: 10 } },
    },
    ...over,
  }
}

describe('the lines k6 prints around a run', () => {
  it.each([
    [3_000, 33_000, '03.0s'],
    [3_049, 33_000, '03.0s'],
    [65_300, 90_000, '01m05.3s'],
    [0, 630_000, '00m00.0s'],
    [3_723_400, 3_700_000, '1h02m03.4s'],
  ])('fixedLengthDuration(%i, %i) = %s', (ms, maxMs, text) => {
    expect(fixedLengthDuration(ms, maxMs)).toBe(text)
  })

  it('ends a finished run as k6 v1.3.0 does (stdout-default.txt)', () => {
    expect(renderRunEnd(result({}), spec)).toBe(
      'running (03.0s), 00/10 VUs, 36490 complete and 0 interrupted iterations\ndefault ✓ [ 100% ] 10 VUs  3s\n')
  })

  it('marks an interrupted run with ✗, its share of the plan and its interrupted iterations', () => {
    const text = renderRunEnd(result({ durationMs: 1_234, abortedBy: 'signal', interruptedIterations: 10 }), spec)
    expect(text).toBe('running (01.2s), 00/10 VUs, 36490 complete and 10 interrupted iterations\n' +
      'default ✗ [  41% ] 10 VUs  01.2s/3s\n')
  })

  it('starts with execution, script and output, then the scenarios', () => {
    expect(renderRunHeader(spec, { script: 'test.yaml', output: '-' }).split('\n')).toEqual([
      '', '     execution: local', '        script: test.yaml', '        output: -', '',
      '     scenarios: (100.00%) 1 scenario, 10 max VUs, 33s max duration (incl. graceful stop):',
      '              * default: 10 looping VUs for 3s (gracefulStop: 30s)', '', '',
    ])
  })
})
