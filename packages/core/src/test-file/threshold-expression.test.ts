import { describe, expect, it } from 'vitest'
import { formatMetricSelector, parseMetricSelector, parseThreshold, statProblem } from './threshold-expression.js'

describe('parseThreshold', () => {
  it.each([
    ['p(95)<500', { stat: 'p(95)', operator: '<', value: 500, percentile: 95 }],
    ['p(99.9)<1000', { stat: 'p(99.9)', operator: '<', value: 1000, percentile: 99.9 }],
    [' p( 90 ) <= 1.5 ', { stat: 'p(90)', operator: '<=', value: 1.5, percentile: 90 }],
    ['avg<200', { stat: 'avg', operator: '<', value: 200 }],
    ['med<=100', { stat: 'med', operator: '<=', value: 100 }],
    ['min>0', { stat: 'min', operator: '>', value: 0 }],
    ['max<2000', { stat: 'max', operator: '<', value: 2000 }],
    ['rate<0.01', { stat: 'rate', operator: '<', value: 0.01 }],
    ['count>=100', { stat: 'count', operator: '>=', value: 100 }],
    ['value==5', { stat: 'value', operator: '==', value: 5 }],
    ['value!=-1', { stat: 'value', operator: '!=', value: -1 }],
    ['count===3', { stat: 'count', operator: '===', value: 3 }],
  ])('parses %s', (text, expected) => {
    expect(parseThreshold(text)).toEqual({ value: expected })
  })

  it.each(['p95<500', 'avg', 'avg<', 'avg<<1', 'mean<1', 'p(101)<5', 'rate<0.01; process.exit()', ''])('rejects %j', (text) => {
    expect(parseThreshold(text).error).toMatch(/threshold like|percentile/)
  })
})

describe('parseMetricSelector', () => {
  it.each([
    ['http_req_duration', { metric: 'http_req_duration', tags: {} }],
    ['http_req_duration{name:home}', { metric: 'http_req_duration', tags: { name: 'home' } }],
    ['http_req_duration{expected_response:true}', { metric: 'http_req_duration', tags: { expected_response: 'true' } }],
    ['http_req_failed{ status: 500 , method:"GET" }', { metric: 'http_req_failed', tags: { status: '500', method: 'GET' } }],
    ['http_reqs{url:http://a/b}', { metric: 'http_reqs', tags: { url: 'http://a/b' } }],
  ])('parses %s', (key, expected) => {
    expect(parseMetricSelector(key)).toEqual({ value: expected })
  })

  it.each(['', '9lives', 'http_reqs{', 'http_reqs{name}', 'http_reqs{:x}', 'bad-name'])('rejects %j', (key) => {
    expect(parseMetricSelector(key).error).toBeDefined()
  })

  it('formats a selector back the way k6 names submetrics', () => {
    expect(formatMetricSelector({ metric: 'http_req_duration', tags: { name: 'home', status: '200' } }))
      .toBe('http_req_duration{name:home,status:200}')
  })
})

describe('statProblem', () => {
  it.each([
    ['p(95)', 'trend', undefined],
    ['avg', 'trend', undefined],
    ['rate', 'rate', undefined],
    ['count', 'counter', undefined],
    ['rate', 'counter', undefined],
    ['value', 'gauge', undefined],
    ['avg', 'rate', 'use rate'],
    ['count', 'trend', 'use avg, min, med, max, p(N)'],
    ['p(95)', 'gauge', 'use value'],
  ] as const)('%s on a %s metric', (stat, type, problem) => {
    const found = statProblem(stat, type, 'm')
    if (problem === undefined) expect(found).toBeUndefined()
    else expect(found).toContain(problem)
  })
})
