import { describe, expect, it } from 'vitest'
import { judgeCriteria, judgeCriterion, parseCriterion } from './gate-criteria.js'

describe('gate criteria', () => {
  it.each([
    ['<=+10%', { op: '<=', kind: 'relative', value: 10 }],
    ['>=-5%', { op: '>=', kind: 'relative', value: -5 }],
    ['< 500', { op: '<', kind: 'absolute', value: 500 }],
    ['>0.5', { op: '>', kind: 'absolute', value: 0.5 }],
    ['<=10', { op: '<=', kind: 'absolute', value: 10 }],
  ])('parses %s', (text, expected) => {
    expect(parseCriterion(text)).toEqual(expected)
  })

  it.each(['10%', '<=+', '== 3', '<=10%%', ''])('refuses %j', (text) => {
    expect(parseCriterion(text)).toBeUndefined()
  })

  it('holds a relative criterion to the baseline scaled by the percentage', () => {
    const ok = judgeCriterion({ metric: 'p95', criterion: '<=+10%', observed: { p95: 109 }, baseline: { p95: 100 } })
    expect(ok).toMatchObject({ status: 'pass', observed: 109, baseline: 100 })
    expect(ok.limit).toBeCloseTo(110)
    const bad = judgeCriterion({ metric: 'p95', criterion: '<=+10%', observed: { p95: 150 }, baseline: { p95: 100 } })
    expect(bad.status).toBe('fail')
    expect(bad.message).toBe('p95 <=+10%: observed 150 ms (+50.0%) against baseline 100 ms, limit 110 ms')
  })

  it('lets a throughput criterion require no more than a given drop', () => {
    expect(judgeCriterion({ metric: 'rps', criterion: '>=-5%', observed: { rps: 96 }, baseline: { rps: 100 } }).status).toBe('pass')
    expect(judgeCriterion({ metric: 'rps', criterion: '>=-5%', observed: { rps: 94 }, baseline: { rps: 100 } }).status).toBe('fail')
  })

  it('judges absolute criteria without a baseline, and names the limit when one fails', () => {
    expect(judgeCriterion({ metric: 'error_rate', criterion: '<0.01', observed: { error_rate: 0 }, baseline: undefined }))
      .toMatchObject({ status: 'pass', limit: 0.01 })
    expect(judgeCriterion({ metric: 'p99', criterion: '<500', observed: { p99: 612.3456 }, baseline: undefined }).message)
      .toBe('p99 <500: observed 612.346 ms (limit 500 ms)')
  })

  it('does not judge a relative criterion without a baseline, nor a figure the run did not measure', () => {
    expect(judgeCriterion({ metric: 'p95', criterion: '<=+10%', observed: { p95: 5 }, baseline: undefined }).status)
      .toBe('no-baseline')
    expect(judgeCriterion({ metric: 'p95', criterion: '<=+10%', observed: { p95: 5 }, baseline: { p50: 3 } }).status)
      .toBe('no-baseline')
    expect(judgeCriterion({ metric: 'p95', criterion: '<500', observed: {}, baseline: undefined }).status).toBe('no-value')
  })

  it('judges every criterion in the order written', () => {
    const results = judgeCriteria({ p95: '<=+10%', error_rate: '<0.01' }, { p95: 10, error_rate: 0.5 }, { p95: 10 })
    expect(results.map((r) => [r.metric, r.status])).toEqual([['p95', 'pass'], ['error_rate', 'fail']])
  })
})
