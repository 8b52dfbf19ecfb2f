// k6 scripts of our own, run on the built-in engine against a local target with exact expectations. When a k6
// binary is on PATH, each script also runs under k6 and the check counts and request counts are compared.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { formatDiagnostic } from '@loadfleet/core'
import type { CheckResult } from '@loadfleet/core'
import { prepareScript, runScript } from '../../src/index.js'
import type { ScriptOverrides, ScriptRunOutcome } from '../../src/index.js'

const SCRIPTS = join(import.meta.dirname, 'scripts')
const exec = promisify(execFile)

let server: Server
let base = ''
/** Requests per path, and the query strings sent to /record, since the last reset. */
let hits: Record<string, number> = {}
let records: string[] = []

function route (req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x')
  hits[url.pathname] = (hits[url.pathname] ?? 0) + 1
  const json = (value: unknown): void => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(value))
  }
  const status = /^\/status\/(\d{3})$/.exec(url.pathname)
  if (status !== null) {
    res.statusCode = Number(status[1])
    res.end()
    return
  }
  switch (url.pathname) {
    case '/ok': return void res.end('ok')
    case '/echo': return json({ method: req.method, body, contentType: req.headers['content-type'] })
    case '/method': return void res.end(req.method)
    case '/headers': return json(req.headers)
    case '/json': return json({ user: { name: 'ann', tags: ['a', 'b'] }, n: 3 })
    case '/login': return json({ token: 'T1' })
    case '/set-cookie':
      res.setHeader('set-cookie', 'session=abc; Path=/; HttpOnly')
      return void res.end('ok')
    case '/slow': return void setTimeout(() => res.end('late'), 300)
    case '/record':
      records.push(`${req.method ?? ''} ${url.search.slice(1)}`)
      return void res.end('ok')
    case '/redirect':
      res.statusCode = 302
      res.setHeader('location', '/ok')
      return void res.end()
  }
  res.statusCode = 404
  res.end()
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => route(req, res, body))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => {
  server.close()
})

beforeEach(() => {
  hits = {}
  records = []
})

interface Run extends ScriptRunOutcome {
  errors: string[]
}

async function run (script: string, options: { env?: Record<string, string>, overrides?: ScriptOverrides } = {}):
Promise<Run> {
  const prepared = await prepareScript(join(SCRIPTS, script), {
    env: { BASE: base, ...options.env },
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  })
  if (prepared.value === undefined) throw new Error(prepared.diagnostics.map(formatDiagnostic).join('\n'))
  const errors: string[] = []
  const outcome = await runScript(prepared.value, { onScriptError: (line) => errors.push(line) })
  return { ...outcome, errors }
}

function checks (r: ScriptRunOutcome): Record<string, string> {
  return Object.fromEntries((r.result.checks ?? []).map((c: CheckResult) =>
    [`${c.group ?? ''}::${c.name}`, `${c.passes}/${c.fails}`]))
}

function count (r: ScriptRunOutcome, metric: string): number | undefined {
  return r.result.metrics[metric]?.values.count
}

function verdicts (r: ScriptRunOutcome): Record<string, boolean> {
  return Object.fromEntries(r.result.thresholds.map((t) => [`${t.metric} ${t.expression}`, t.ok]))
}

describe('k6 scripts on the built-in engine', () => {
  it('get-check: counts requests, iterations and each check', async () => {
    const r = await run('get-check.js')
    expect(checks(r)).toEqual({ '::status is 200': '5/0', '::body is ok': '5/0' })
    expect(count(r, 'http_reqs')).toBe(5)
    expect(count(r, 'iterations')).toBe(5)
    expect(hits).toEqual({ '/ok': 5 })
    expect(r.result.outcome).toBe('passed')
  })

  it('get-check: command-line iterations win over the script options', async () => {
    const r = await run('get-check.js', { overrides: { iterations: 2 } })
    expect(count(r, 'iterations')).toBe(2)
    expect(hits).toEqual({ '/ok': 2 })
  })

  it('check-fails: a failing predicate counts as a fail and check() returns false', async () => {
    const r = await run('check-fails.js')
    expect(checks(r)).toEqual({ '::is 503': '6/0', '::is 200': '0/6', '::constant true': '6/0' })
    expect(r.result.metrics.checks?.values).toMatchObject({ passes: 12, fails: 6 })
    expect(r.errors).toEqual([])
    expect(r.result.metrics.http_req_failed?.values).toMatchObject({ passes: 6, fails: 0 })
  })

  it('check-tags: checks{…} thresholds filter on check tags, the check name and the group', async () => {
    const r = await run('check-tags.js')
    expect(r.result.metrics['checks{kind:api}']?.values).toMatchObject({ passes: 2, fails: 0 })
    expect(r.result.metrics['checks{check:web}']?.values).toMatchObject({ passes: 0, fails: 2 })
    expect(r.result.metrics['checks{group:::g}']?.values).toMatchObject({ passes: 2, fails: 0 })
    expect(verdicts(r)).toEqual({
      'checks{kind:api} rate==1': true, 'checks{check:web} rate==0': true, 'checks{group:::g} rate==1': true,
    })
  })

  it('post-json: sends the body and content type; res.json(selector) reads the answer', async () => {
    const r = await run('post-json.js')
    expect(checks(r)).toEqual({ '::method is POST': '2/0', '::body echoed': '2/0', '::content type sent': '2/0' })
  })

  it('methods: put, patch, del, head, options and request', async () => {
    const r = await run('methods.js')
    expect(Object.values(checks(r))).toEqual(['1/0', '1/0', '1/0', '1/0', '1/0', '1/0'])
    expect(hits).toEqual({ '/method': 6 })
  })

  it('form-body: an object body is sent url-encoded', async () => {
    const r = await run('form-body.js')
    expect(checks(r)).toEqual({ '::form encoded': '1/0', '::form content type': '1/0' })
  })

  it('params-headers: request headers reach the server, response headers are canonical', async () => {
    const r = await run('params-headers.js')
    expect(checks(r)).toEqual({
      '::custom header arrives': '1/0', '::user agent set': '1/0', '::response header canonical': '1/0',
    })
  })

  it('tags-name: thresholds on a name tag see only the tagged requests', async () => {
    const r = await run('tags-name.js')
    expect(verdicts(r)).toEqual({ 'http_reqs{name:home} count==3': true, 'http_req_duration{name:home} max<5000': true })
    expect(r.result.metrics['http_reqs{name:home}']?.values.count).toBe(3)
    expect(count(r, 'http_reqs')).toBe(6)
  })

  it('request-tags: thresholds filter on the request tags and the group; URL credentials become basic auth', async () => {
    const r = await run('request-tags.js')
    expect(r.result.metrics['http_reqs{type:api}']?.values.count).toBe(2)
    expect(r.result.metrics['http_reqs{group:::checkout}']?.values.count).toBe(2)
    expect(verdicts(r)).toEqual({
      'http_reqs{type:api} count==2': true,
      'http_reqs{group:::checkout} count==2': true,
      'http_req_duration{group:::checkout} max<5000': true,
    })
    expect(checks(r)).toEqual({ '::basic auth from the URL': '2/0' })
  })

  it('timeout: a request past its timeout has status 0 and error code 1050', async () => {
    const r = await run('timeout.js')
    expect(checks(r)).toEqual({ '::status 0': '1/0', '::timeout code': '1/0', '::error text': '1/0' })
    expect(r.result.errorKinds).toEqual({ timeout: 1 })
  })

  it('redirects: followed by default (two hops), not with redirects: 0', async () => {
    const r = await run('redirects.js')
    expect(checks(r)).toEqual({ '::followed to 200': '1/0', '::final url': '1/0', '::not followed': '1/0' })
    expect(count(r, 'http_reqs')).toBe(3)
    expect(hits).toEqual({ '/redirect': 2, '/ok': 1 })
  })

  it('response-type: binary gives an ArrayBuffer, none gives null', async () => {
    const r = await run('response-type.js')
    expect(checks(r)).toEqual({ '::binary body': '1/0', '::no body': '1/0' })
  })

  it('expected-statuses: setResponseCallback and per-request responseCallback decide http_req_failed', async () => {
    const r = await run('expected-statuses.js')
    expect(r.result.metrics.http_req_failed?.values).toMatchObject({ rate: 0, passes: 0, fails: 4 })
    expect(r.result.outcome).toBe('passed')
  })

  it('json-selector: dotted paths, indexes, timings and status text', async () => {
    const r = await run('json-selector.js')
    expect(Object.values(checks(r))).toEqual(['1/0', '1/0', '1/0', '1/0', '1/0', '1/0'])
  })

  it('batch: arrays and objects of requests, answered in order', async () => {
    const r = await run('batch.js')
    expect(checks(r)).toEqual({ '::three responses': '1/0', '::in order': '1/0', '::by name': '1/0' })
    expect(count(r, 'http_reqs')).toBe(5)
  })

  it('groups: nested groups carry their checks and group_duration', async () => {
    const r = await run('groups.js')
    expect(checks(r)).toEqual({ '::outer::in outer': '2/0', '::outer::inner::in inner': '2/0', '::at root': '2/0' })
    expect(r.result.groups).toEqual(['::outer', '::outer::inner'])
    expect(r.result.metrics.group_duration?.values.max).toBeGreaterThan(0)
    expect(verdicts(r)).toEqual({ 'group_duration{group:::outer} max<10000': true })
  })

  it('sleep: each iteration lasts at least the sleep', async () => {
    const r = await run('sleep.js')
    expect(count(r, 'iterations')).toBe(2)
    expect(r.result.metrics.iteration_duration?.values.min).toBeGreaterThanOrEqual(99)
  })

  it('fail: ends that iteration with its message and the run goes on', async () => {
    const r = await run('fail.js')
    expect(r.errors).toEqual([expect.stringMatching(/fail\.js:8: error: stop here$/)])
    expect(hits).toEqual({ '/ok': 2 })
    expect(count(r, 'iterations')).toBe(3)
  })

  it('exception-line: an exception names the script line and the next iteration runs', async () => {
    const r = await run('exception-line.js')
    expect(r.errors).toEqual([
      expect.stringMatching(/exception-line\.js:7: error: TypeError: Cannot read properties of undefined/),
      expect.stringMatching(/exception-line\.js:7: error: TypeError/),
    ])
    expect(hits).toEqual({ '/json': 2, '/ok': 2 })
  })

  it('custom-counter: a Counter summed over VUs, used in a threshold', async () => {
    const r = await run('custom-counter.js')
    expect(r.result.metrics.orders).toMatchObject({ type: 'counter', values: { count: 15 } })
    expect(verdicts(r)).toEqual({ 'orders count==15': true })
  })

  it('custom-metrics: Gauge, Rate and Trend values', async () => {
    const r = await run('custom-metrics.js')
    const m = r.result.metrics
    expect(m.queue_depth).toMatchObject({ type: 'gauge', values: { value: 4, min: 1, max: 4 } })
    expect(m.ok_rate).toMatchObject({ type: 'rate', values: { rate: 0.5, passes: 2, fails: 2 } })
    expect(m.payload_size).toMatchObject({ type: 'trend', contains: 'default', values: { avg: 25, min: 10, max: 40 } })
    expect(m.wait_time).toMatchObject({ contains: 'time', values: { avg: 2.5 } })
    expect(verdicts(r)).toEqual({ 'ok_rate rate>=0.5': true, 'payload_size max<=40': true })
  })

  it('custom-tags: thresholds on a tagged custom metric see only its samples', async () => {
    const r = await run('custom-tags.js')
    expect(verdicts(r)).toEqual({ 'step_latency{kind:a} max<=2': true, 'step_latency{kind:b} min>=100': true })
    expect(r.result.metrics['step_latency{kind:a}']?.values).toMatchObject({ min: 1, max: 2 })
  })

  it('thresholds-fail: a crossed threshold fails the run', async () => {
    const r = await run('thresholds-fail.js')
    expect(verdicts(r)).toEqual({ 'http_req_failed rate<0.1': false, 'http_reqs count>=3': true })
    expect(r.result.outcome).toBe('failed')
  })

  it('per-vu-state: module-level variables are per VU', async () => {
    await run('per-vu-state.js')
    expect(records.sort()).toEqual([
      'GET vu=1&calls=1', 'GET vu=1&calls=2', 'GET vu=1&calls=3',
      'GET vu=2&calls=1', 'GET vu=2&calls=2', 'GET vu=2&calls=3',
      'GET vu=3&calls=1', 'GET vu=3&calls=2', 'GET vu=3&calls=3',
    ])
  })

  it('setup-teardown: setup data reaches every iteration and teardown; setup requests count', async () => {
    const r = await run('setup-teardown.js')
    expect(records).toEqual([...Array(4).fill('GET token=T1&n=2') as string[], 'GET teardown=T1'])
    expect(count(r, 'http_reqs')).toBe(6)
    expect(count(r, 'iterations')).toBe(4)
  })

  it('env: __ENV carries -e values', async () => {
    await run('env.js', { env: { TARGET_PATH: '/from-env' } })
    expect(records).toEqual(['GET path=/from-env'])
  })

  it('vu-iter: __VU and __ITER', async () => {
    await run('vu-iter.js')
    expect(records.sort()).toEqual(['GET vu=1&iter=0', 'GET vu=1&iter=1', 'GET vu=2&iter=0', 'GET vu=2&iter=1'])
  })

  it('execution: k6/execution reports the VU, the scenario and the iteration', async () => {
    await run('execution.js')
    expect(records).toEqual(['GET id=1&scenario=browse&it=0', 'GET id=1&scenario=browse&it=1'])
  })

  it('abort: test.abort() stops the test', async () => {
    const r = await run('abort.js')
    expect(r.aborted).toBe('enough')
    expect(r.result.abortedBy).toBe('script')
    expect(hits).toEqual({ '/ok': 3 })
  })

  it('shared-array: built once from open(), read by every VU', async () => {
    await run('shared-array.js')
    expect(records.sort()).toEqual(['GET user=ann', 'GET user=bob', 'GET user=cy', 'GET user=di'])
  })

  it('encoding-crypto: base64, hashes, HMAC and random bytes', async () => {
    const r = await run('encoding-crypto.js')
    expect(Object.values(checks(r))).toEqual(Array(9).fill('1/0'))
  })

  it('local-module: named, default and constant imports from a relative module', async () => {
    const r = await run('local-module.js')
    expect(checks(r)).toEqual({ '::helper returned the response': '2/0' })
    expect(records).toEqual(['GET from=lib-0', 'GET from=lib-1'])
  })

  it('typescript: a .ts script and a .ts module run with their types stripped, errors on the .ts lines', async () => {
    const r = await run('typescript.ts')
    expect(checks(r)).toEqual({ '::typed body': '2/0', '::enum and state': '2/0' })
    expect(hits).toEqual({ '/json': 4 })
    expect(r.errors).toEqual([
      expect.stringMatching(/typescript\.ts:25: error: TypeError: Cannot read properties of undefined/),
    ])
  })

  it('typescript: a type error of syntax is a diagnostic naming the .ts line, before anything runs', async () => {
    const prepared = await prepareScript(join(SCRIPTS, 'lib', 'broken.ts'), { env: { BASE: base } })
    expect(prepared.value).toBeUndefined()
    expect(prepared.diagnostics.map(formatDiagnostic))
      .toEqual([expect.stringMatching(/broken\.ts:4: error: TypeScript: /)])
    expect(hits).toEqual({})
  })

  it('cookies: the VU jar stores Set-Cookie and sends it back; cookieJar().set and params cookies add to it', async () => {
    const r = await run('cookies.js')
    expect(checks(r)).toEqual({
      '::response lists the cookie': '1/0', '::jar sends it back': '1/0', '::jar set and params cookies': '1/0',
    })
  })

  it('handle-summary: gets k6-shaped data and maps outputs to content', async () => {
    const r = await run('handle-summary.js')
    expect(Object.keys(r.summaryOutputs ?? {})).toEqual(['stdout', 'summary.json'])
    expect(JSON.parse(r.summaryOutputs?.['summary.json'] ?? '')).toEqual({
      reqs: 2, threshold: true, checks: ['ok:2/0'], trendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    })
    expect(r.summaryOutputs?.stdout).toMatch(/http_reqs\.+: 2/)
  })

  it('scenarios: each runs its exec function with its env, after its start time', async () => {
    const r = await run('scenarios.js')
    expect(records.sort()).toEqual([
      'GET who=reader', 'GET who=reader', 'GET who=reader', 'GET who=reader',
      'POST who=writer', 'POST who=writer', 'POST who=writer',
    ])
    expect(count(r, 'iterations')).toBe(7)
  })

  it('ramping-arrival-rate: the rate ramps through the stages (5 + 5 iterations)', async () => {
    const r = await run('ramping-arrival-rate.js')
    expect(count(r, 'iterations')).toBe(10)
    expect(hits).toEqual({ '/ok': 10 })
  })

  it('jslib-utils: the k6-utils helpers', async () => {
    const r = await run('jslib-utils.js')
    expect(Object.values(checks(r))).toEqual(Array(4).fill('5/0'))
  })

  it('helpers-await: object methods, class methods, callbacks and chained calls wait for their requests', async () => {
    const r = await run('helpers-await.js')
    expect(checks(r)).toEqual({ '::method via object': '1/0', '::class method': '1/0', '::chained call': '1/0' })
    expect(hits).toEqual({ '/login': 1, '/json': 3, '/ok': 1 })
  })

  it('init-exception: refused before the test with the line of the exception', async () => {
    const prepared = await prepareScript(join(SCRIPTS, 'init-exception.js'), { env: { BASE: base } })
    expect(prepared.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/init-exception\.js:3: error: exception in the init code: SyntaxError: /),
    ])
    expect(hits).toEqual({})
  })

  it('setup-exception: the run is a script error and no iteration runs', async () => {
    const r = await run('setup-exception.js')
    expect(r.scriptError).toMatch(/setup\(\) failed: .*setup-exception\.js:6: error: Error: no token/)
    expect(r.result.outcome).toBe('error')
    expect(hits).toEqual({})
  })
})

describe('the same scripts under k6', () => {
  it('compares check and request counts with k6 when a k6 binary is on PATH', async () => {
    const k6 = process.env.K6_BINARY ?? 'k6'
    const found = await exec(k6, ['version']).then(() => true, () => false)
    if (!found) {
      console.log('conformance: no k6 binary on PATH; the comparison with k6 was not made')
      return
    }
    const dir = await mkdtemp(join(tmpdir(), 'conformance-'))
    try {
      for (const script of ['get-check.js', 'check-fails.js', 'groups.js', 'custom-counter.js', 'batch.js']) {
        hits = {}
        const ours = await run(script)
        const exportFile = join(dir, `${script}.json`)
        await exec(k6, ['run', '--quiet', '-e', `BASE=${base}`, '--summary-export', exportFile, join(SCRIPTS, script)])
          .catch(() => undefined)
        const theirs = JSON.parse(await readFile(exportFile, 'utf8')) as { metrics: Record<string, { count?: number }> }
        expect(theirs.metrics.http_reqs?.count, script).toBe(count(ours, 'http_reqs'))
        expect(theirs.metrics.iterations?.count, script).toBe(count(ours, 'iterations'))
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
