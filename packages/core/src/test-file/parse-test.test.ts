import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseTestObject, parseTestText, testFromFlags } from './index.js'

const FIXTURES = new URL('../../test/fixtures/invalid/', import.meta.url)
const URL_OK = 'http://127.0.0.1:8080/'

describe('parseTestObject: k6 shortcuts become scenarios', () => {
  it.each([
    ['no options → 1 VU, 1 iteration', {}, { executor: 'per-vu-iterations', vus: 1, iterations: 1 }],
    ['vus only → each VU once', { vus: 3 }, { executor: 'per-vu-iterations', vus: 3, iterations: 1 }],
    ['vus + duration → constant-vus', { vus: 10, duration: '30s' }, { executor: 'constant-vus', vus: 10, durationMs: 30_000 }],
    ['duration only → 1 VU', { duration: '1m30s' }, { executor: 'constant-vus', vus: 1, durationMs: 90_000 }],
    ['stages → ramping-vus from 1', { stages: [{ duration: '10s', target: 5 }] },
      { executor: 'ramping-vus', startVUs: 1, stages: [{ durationMs: 10_000, target: 5 }], gracefulRampDownMs: 30_000 }],
    ['stages + vus → startVUs', { vus: 0, stages: [{ duration: '1s', target: 2 }] }, { executor: 'ramping-vus', startVUs: 0 }],
    ['iterations → shared-iterations, 10m cap', { iterations: 20 },
      { executor: 'shared-iterations', vus: 1, iterations: 20, maxDurationMs: 600_000 }],
    ['iterations + duration → duration caps it', { iterations: 20, vus: 2, duration: '5s' },
      { executor: 'shared-iterations', vus: 2, iterations: 20, maxDurationMs: 5000 }],
  ])('%s', (_, options, scenario) => {
    const { value, diagnostics } = parseTestObject({ options, requests: [{ url: URL_OK }] })
    expect(diagnostics).toEqual([])
    expect(value?.scenarios).toEqual([expect.objectContaining({ name: 'default', gracefulStopMs: 30_000, startTimeMs: 0, ...scenario })])
  })

  it('keeps explicit scenarios with their k6 defaults', () => {
    const { value, diagnostics } = parseTestObject({
      options: {
        scenarios: {
          open: { executor: 'constant-arrival-rate', rate: 50, duration: '10s', preAllocatedVUs: 5 },
          late: { executor: 'per-vu-iterations', startTime: '5s', gracefulStop: '1s' },
        },
      },
      requests: [{ url: URL_OK }],
    })
    expect(diagnostics).toEqual([])
    expect(value?.scenarios).toEqual([
      { name: 'open', executor: 'constant-arrival-rate', rate: 50, timeUnitMs: 1000, durationMs: 10_000, preAllocatedVUs: 5,
        maxVUs: 5, startTimeMs: 0, gracefulStopMs: 30_000 },
      { name: 'late', executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDurationMs: 600_000, startTimeMs: 5000,
        gracefulStopMs: 1000 },
    ])
  })
})

describe('parseTestObject: request steps, thresholds, defaults', () => {
  it('fills request defaults and serialises json bodies', () => {
    const { value } = parseTestObject({
      requests: [
        { url: URL_OK },
        { name: 'search', method: 'post', url: `${URL_OK}s`, json: { q: 'shoes' }, headers: { 'X-Id': 7 },
          expect: { status: [200, 201] }, timeout: '5s' },
      ],
      sleep: '1s',
    })
    expect(value?.requests).toEqual([
      { name: URL_OK, method: 'GET', url: URL_OK, headers: {}, expectStatus: null, timeoutMs: 60_000 },
      { name: 'search', method: 'POST', url: `${URL_OK}s`, headers: { 'x-id': '7', 'content-type': 'application/json' },
        body: '{"q":"shoes"}', expectStatus: [200, 201], timeoutMs: 5000 },
    ])
    expect(value).toMatchObject({ sleepMs: 1000, insecureSkipTLSVerify: false, maxRedirects: 10 })
    expect(Object.isFrozen(value?.requests[1]?.headers)).toBe(true) // shared by every VU: never written to
    expect(value?.summaryTrendStats).toContain('p(99)')
  })

  it('keeps thresholds in both forms, tag filters included', () => {
    const { value, diagnostics } = parseTestObject({
      options: {
        thresholds: {
          'http_req_duration{name: "home"}': ['p(99.9)<1000'],
          http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
        },
      },
      requests: [{ url: URL_OK }],
    })
    expect(diagnostics).toEqual([])
    expect(value?.thresholds).toEqual([
      { metric: 'http_req_duration{name:home}', expression: 'p(99.9)<1000', abortOnFail: false, delayAbortEvalMs: 0 },
      { metric: 'http_req_failed', expression: 'rate<0.01', abortOnFail: true, delayAbortEvalMs: 10_000 },
    ])
  })

  it.each([
    ['a non-http URL', { requests: [{ url: 'ftp://x/' }] }, 'requests.0.url', 'expected an http:// or https:// URL'],
    ['a javascript: URL', { requests: [{ url: 'javascript:alert(1)' }] }, 'requests.0.url', 'http:// or https://'],
    ['no requests', { requests: [] }, 'requests', 'at least one request step'],
    ['body and json', { requests: [{ url: URL_OK, body: 'a', json: {} }] }, 'requests.0.json', 'either'],
    ['a header with a line break', { requests: [{ url: URL_OK, headers: { a: 'x\r\nInjected: 1' } }] }, 'requests.0.headers.a', 'line breaks'],
    ['a bad method', { requests: [{ url: URL_OK, method: 'FETCH' }] }, 'requests.0.method', 'expected one of GET'],
    ['a status out of range', { requests: [{ url: URL_OK, expect: { status: [700] } }] }, 'requests.0.expect.status.0', '599'],
    ['fractional VUs', { options: { vus: 1.5 }, requests: [{ url: URL_OK }] }, 'options.vus', 'integer'],
    ['a bad trend stat', { options: { summaryTrendStats: ['p99'] }, requests: [{ url: URL_OK }] }, 'options.summaryTrendStats.0', 'p(N)'],
    ['scenarios + vus', { options: { vus: 2, scenarios: { a: { executor: 'constant-vus', duration: '1s' } } }, requests: [{ url: URL_OK }] },
      'options.vus', "together with 'scenarios'"],
    ['a gracefulStop at top level', { options: { gracefulStop: '1s' }, requests: [{ url: URL_OK }] }, 'options.gracefulStop', 'per scenario'],
    ['vus 0 without stages', { options: { vus: 0, duration: '1s' }, requests: [{ url: URL_OK }] }, 'options.vus', 'at least 1 VU'],
    ['a scenario without its duration', { options: { scenarios: { a: { executor: 'constant-vus' } } }, requests: [{ url: URL_OK }] },
      'options.scenarios.a.duration', 'expected a duration'],
    ['an unknown scenario key', { options: { scenarios: { a: { executor: 'per-vu-iterations', exec: 'x' } } }, requests: [{ url: URL_OK }] },
      'options.scenarios.a.exec', 'not supported'],
    ['a tag filter without a value', { options: { thresholds: { 'http_reqs{status}': ['count>1'] } }, requests: [{ url: URL_OK }] },
      'options.thresholds.http_reqs{status}', 'tag filters'],
    ['not an object', 'vus: 1', '', "expected a test: a mapping with 'requests'"],
    ['an empty document', null, '', 'the test is empty'],
    ['a bad header name', { requests: [{ url: URL_OK, headers: { 'bad header': 'x' } }] }, 'requests.0.headers.bad header',
      'not a valid header name'],
    ['a status given as a number', { requests: [{ url: URL_OK, expect: { status: 200 } }] }, 'requests.0.expect.status',
      'expected array, got 200'],
  ])('rejects %s', (_, input, path, message) => {
    const { value, diagnostics } = parseTestObject(input)
    expect(value).toBeUndefined()
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'error', path, message: expect.stringContaining(message) as string }))
  })

  it('collects every problem in one pass', () => {
    const { diagnostics } = parseTestObject({
      options: { vus: -1, duration: 'x', nope: 1 },
      requests: [{ url: 'ftp://a' }, { url: URL_OK, timeout: 'y' }],
      sleep: [],
    })
    expect(diagnostics.map((d) => d.path).sort()).toEqual(
      ['options.duration', 'options.nope', 'options.vus', 'requests.0.url', 'requests.1.timeout', 'sleep'])
  })
})

describe('parseTestText', () => {
  it('parses the example YAML of the issue', () => {
    const text = `options:
  vus: 10
  duration: 30s
  thresholds:
    http_req_duration: ['p(95)<500']
    http_req_failed: ['rate<0.01']
requests:
  - name: home
    url: https://example.com/
  - name: search
    method: POST
    url: https://example.com/api/search
    json: { q: shoes }
    expect: { status: [200, 201] }
sleep: 1s
`
    const { value, diagnostics } = parseTestText(text, { file: 'shop.yaml' })
    expect(diagnostics).toEqual([])
    expect(value?.requests.map((r) => r.name)).toEqual(['home', 'search'])
    expect(value?.thresholds).toHaveLength(2)
  })

  it('reads JSON and reports JSON syntax errors with their line', () => {
    const good = parseTestText('{"requests": [{"url": "http://127.0.0.1/"}]}', { file: 't.json' })
    expect(good.value?.requests).toHaveLength(1)
    const bad = parseTestText('{\n  "requests": [\n    {"url": "http://127.0.0.1/"},\n  ]\n}', { format: 'json', file: 'b.json' })
    expect(bad.diagnostics).toEqual([
      expect.objectContaining({ file: 'b.json', line: 4, message: expect.stringContaining('malformed JSON') as string })])
  })

  it('points JSON schema problems at their line', () => {
    const { diagnostics } = parseTestText('{\n  "options": {\n    "vus": "many"\n  },\n  "requests": [{"url": "http://x/"}]\n}', { format: 'json' })
    expect(diagnostics).toEqual([expect.objectContaining({ path: 'options.vus', line: 3 })])
  })

  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'))
  it.each(files)('fixtures/invalid/%s yields exactly its expected diagnostics', (name) => {
    const text = readFileSync(new URL(name, FIXTURES), 'utf8')
    const expected = [...text.matchAll(/^# expect (\d+) ([^:]*): (.*)$/gm)]
      .map(([, line, path, message]) => ({ line: Number(line), path, message }))
    expect(expected.length).toBeGreaterThan(0)
    const { value, diagnostics } = parseTestText(text, { file: name })
    expect(value).toBeUndefined()
    expect(diagnostics.map((d) => ({ line: d.line, path: d.path, file: d.file }))).toEqual(
      expected.map(({ line, path }) => ({ line, path, file: name })))
    diagnostics.forEach((d, i) => expect(d.message).toContain(expected[i]?.message))
  })
})

describe('testFromFlags', () => {
  it('builds the common one-request test', () => {
    const { value, diagnostics } = testFromFlags({ url: URL_OK, vus: '10', duration: '30s', sleep: '1s', headers: ['Accept: text/html'] })
    expect(diagnostics).toEqual([])
    expect(value?.scenarios).toEqual([expect.objectContaining({ executor: 'constant-vus', vus: 10, durationMs: 30_000 })])
    expect(value?.requests[0]).toMatchObject({ url: URL_OK, method: 'GET', headers: { accept: 'text/html' } })
    expect(value?.sleepMs).toBe(1000)
  })

  it.each([
    [{ url: 'ftp://x/' }, '--url', 'http:// or https://'],
    [{ url: URL_OK, duration: '10x' }, '--duration', "got '10x'"],
    [{ url: URL_OK, vus: 'ten' }, '--vus', "got 'ten'"],
    [{ url: URL_OK, headers: ['nocolon'] }, '--header', 'Name: value'],
    [{ url: URL_OK, thresholds: ['http_req_duration=p95<5'] }, '--threshold', 'expected a threshold'],
  ])('names the flag in %j', (flags, path, message) => {
    const { value, diagnostics } = testFromFlags(flags)
    expect(value).toBeUndefined()
    expect(diagnostics).toEqual([
      expect.objectContaining({ path, message: expect.stringContaining(message) as string })])
  })
})
