import type { ThresholdSpec } from '@loadfleet/core'
import { describe, expect, it } from 'vitest'
import { evaluateThresholds, statsReferenced, type MetricSource } from './index.js'

/** A fixed table of (sub)metric stats standing in for the runtime's registry, keyed as `metric|tags|stat`. */
function tableSource (table: Record<string, number>): MetricSource & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    stat (metric, tags, stat) {
      const key = `${metric}|${Object.entries(tags).map(([k, v]) => `${k}:${v}`).join(',')}|${stat}`
      asked.push(key)
      return table[key]
    },
  }
}

const spec = (metric: string, expression: string, abortOnFail = false): ThresholdSpec =>
  ({ metric, expression, abortOnFail, delayAbortEvalMs: 0 })

describe('evaluateThresholds', () => {
  const source = tableSource({
    'http_req_duration||p(95)': 480,
    'http_req_duration||p(99.9)': 1200,
    'http_req_duration||avg': 200,
    'http_req_duration|name:home|med': 100,
    'http_req_failed||rate': 0.02,
    'http_req_failed|status:500|rate': 0,
    'http_reqs||count': 100,
    'vus||value': 5,
  })

  it.each([
    ['http_req_duration', 'p(95)<500', true],
    ['http_req_duration', 'p(99.9)<1000', false],
    ['http_req_duration', 'avg<200', false],
    ['http_req_duration', 'avg<=200', true],
    ['http_req_duration{name:home}', 'med<=100', true],
    ['http_req_duration{name:home}', 'med<100', false],
    ['http_req_failed', 'rate<0.01', false],
    ['http_req_failed{status:500}', 'rate==0', true],
    ['http_reqs', 'count>100', false],
    ['http_reqs', 'count>=100', true],
    ['vus', 'value!=5', false],
    ['vus', 'value==5', true],
  ])('%s %s → ok=%s', (metric, expression, ok) => {
    expect(evaluateThresholds([spec(metric, expression, true)], source))
      .toEqual([{ metric, expression, ok, abortOnFail: true }])
  })

  it('passes a threshold on a metric without samples, as k6 skips empty metrics', () => {
    expect(evaluateThresholds([spec('dropped_iterations', 'count<1'), spec('http_req_duration{name:nope}', 'p(95)<1')], source)
      .map((v) => v.ok)).toEqual([true, true])
  })

  it('asks the source for the parsed metric, tags and stat', () => {
    const s = tableSource({})
    evaluateThresholds([spec('http_req_duration{ name : "home" }', 'p( 95 ) < 5')], s)
    expect(s.asked).toEqual(['http_req_duration|name:home|p(95)'])
  })
})

describe('statsReferenced', () => {
  it('lists each (metric, tags, stat) once', () => {
    expect(statsReferenced([
      spec('http_req_duration', 'p(95)<500'),
      spec('http_req_duration', 'p(95)<800'),
      spec('http_req_duration{name:home}', 'p(95)<500'),
      spec('http_req_failed', 'rate<0.01'),
    ])).toEqual([
      { metric: 'http_req_duration', tags: {}, stat: 'p(95)' },
      { metric: 'http_req_duration', tags: { name: 'home' }, stat: 'p(95)' },
      { metric: 'http_req_failed', tags: {}, stat: 'rate' },
    ])
  })
})
