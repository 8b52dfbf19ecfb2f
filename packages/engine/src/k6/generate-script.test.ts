import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseTestObject, type TestSpec } from '@loadfleet/core'
import { describe, expect, it } from 'vitest'
import { generateK6Script, secretHeaderEnv } from './generate-script.js'

interface Call { method: string, url: string, body: unknown, params: Record<string, unknown> }

/** Runs the script's module body with stand-ins for k6's modules, recording what it asks k6 to do. */
function evaluate (script: string, env: Record<string, string> = {}) {
  const calls: Call[] = []
  const checks: string[] = []
  const sleeps: number[] = []
  const http = {
    request: (method: string, url: string, body: unknown, params: Record<string, unknown>) => {
      calls.push({ method, url, body, params })
      return { status: 201 }
    },
    expectedStatuses: (...statuses: number[]) => ({ expectedStatuses: statuses }),
  }
  const check = (res: unknown, sets: Record<string, (r: unknown) => boolean>) => {
    for (const [name, fn] of Object.entries(sets)) checks.push(`${name}=${fn(res)}`)
  }
  const body = script
    .replace(/^import .*$/gm, '')
    .replace('export const options', 'const options')
    .replace('export default function', 'function iteration')
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point is to run the generated code
  const run = new Function('http', 'check', 'sleep', '__ENV', `${body}\nreturn { options, iteration }`) as
    (...args: unknown[]) => { options: Record<string, unknown>, iteration: () => void }
  const { options, iteration } = run(http, check, (s: number) => sleeps.push(s), env)
  iteration()
  return { options, calls, checks, sleeps }
}

function specOf (input: unknown): TestSpec {
  const { value, diagnostics } = parseTestObject(input)
  expect(diagnostics).toEqual([])
  if (value === undefined) throw new Error('spec did not parse')
  return value
}

const SPECS: Array<[string, unknown]> = [
  ['the issue example', {
    options: { vus: 10, duration: '30s', thresholds: { http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'] } },
    requests: [
      { name: 'home', url: 'https://example.com/' },
      { name: 'search', method: 'POST', url: 'https://example.com/api/search', json: { q: 'shoes' },
        expect: { status: [200, 201] } },
    ],
    sleep: '1s',
  }],
  ['every executor', {
    options: {
      scenarios: {
        a: { executor: 'constant-vus', duration: '5s', vus: 2 },
        b: { executor: 'ramping-vus', stages: [{ duration: '1s', target: 3 }], startTime: '2s' },
        c: { executor: 'per-vu-iterations', iterations: 3 },
        d: { executor: 'shared-iterations', iterations: 3 },
        e: { executor: 'constant-arrival-rate', rate: 5, duration: '3s', preAllocatedVUs: 1, maxVUs: 4 },
      },
      thresholds: { 'http_req_duration{name:x}': [{ threshold: 'p(99)<100', abortOnFail: true, delayAbortEval: '5s' }] },
      insecureSkipTLSVerify: true,
    },
    requests: [{ name: 'x', url: 'https://127.0.0.1:8443/' }],
  }],
  ['hostile strings', {
    requests: [{
      name: "a'b\"c`${process.exit(1)}`</script>\u2028",
      url: 'http://127.0.0.1/"+process.exit()+"?q=\'`${x}`',
      headers: { 'x-evil': '"); process.exit(1); ("' },
      body: '*/ process.exit(1) /*',
    }],
  }],
]

describe('generateK6Script', () => {
  it.each(SPECS)('%s: passes node --check as an ES module', async (_, input) => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-k6-script-'))
    try {
      const file = join(dir, 'script.mjs')
      await writeFile(file, generateK6Script(specOf(input)))
      await expect(promisify(execFile)(process.execPath, ['--check', file])).resolves.toBeDefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it.each(SPECS)('%s: requests and options round-trip through the script', (_, input) => {
    const spec = specOf(input)
    const { calls } = evaluate(generateK6Script(spec))
    expect(calls.map((c) => [c.method, c.url, c.body]))
      .toEqual(spec.requests.map((r) => [r.method, r.url, r.body ?? null]))
    expect(calls.map((c) => c.params.headers)).toEqual(spec.requests.map((r) => r.headers))
    expect(calls.map((c) => c.params.tags)).toEqual(spec.requests.map((r) => ({ name: r.name })))
  })

  it('writes k6 options: scenarios in k6 syntax, thresholds with abortOnFail, TLS and trend stats', () => {
    const { options } = evaluate(generateK6Script(specOf(SPECS[1]?.[1])))
    expect(options.scenarios).toMatchObject({
      a: { executor: 'constant-vus', vus: 2, duration: '5000ms', gracefulStop: '30000ms', startTime: '0ms' },
      b: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '1000ms', target: 3 }], startTime: '2000ms' },
      c: { executor: 'per-vu-iterations', vus: 1, iterations: 3, maxDuration: '600000ms' },
      d: { executor: 'shared-iterations', vus: 1, iterations: 3 },
      e: { executor: 'constant-arrival-rate', rate: 5, timeUnit: '1000ms', duration: '3000ms', preAllocatedVUs: 1, maxVUs: 4 },
    })
    expect(options.thresholds).toEqual({
      'http_req_duration{name:x}': [{ threshold: 'p(99)<100', abortOnFail: true, delayAbortEval: '5000ms' }],
    })
    expect(options).toMatchObject({ insecureSkipTLSVerify: true, maxRedirects: 10 })
    expect(options.summaryTrendStats).toContain('p(99)')
  })

  it('checks expected statuses, sets the response callback and sleeps the think time', () => {
    const { calls, checks, sleeps } = evaluate(generateK6Script(specOf(SPECS[0]?.[1])))
    expect(calls[0]?.params.responseCallback).toBeUndefined() // k6's default 200–399
    expect(calls[1]?.params.responseCallback).toEqual({ expectedStatuses: [200, 201] })
    expect(calls[1]?.params.timeout).toBe('60000ms')
    expect(checks).toEqual(['search status is 200|201=true'])
    expect(sleeps).toEqual([1])
  })

  it('keeps secret header values out of the script and passes them through k6\'s environment', () => {
    const secret = 'Bearer s3cr3t-never-in-a-file'
    const spec = specOf({ requests: [{ name: 'home', url: 'https://example.com/', headers: { accept: 'text/html' } }] })
    const step = spec.requests[0]
    if (step === undefined) throw new Error('no step')
    const withSecret: typeof spec = {
      ...spec, requests: [{ ...step, headers: { ...step.headers, authorization: secret }, secretHeaderNames: ['authorization'] }],
    }
    const script = generateK6Script(withSecret)
    expect(script).not.toContain('s3cr3t')
    const env = secretHeaderEnv(withSecret)
    expect(Object.values(env)).toEqual([secret])
    expect(Object.keys(env)[0]).toMatch(/^LOADFLEET_SECRET_HEADER_0_[0-9a-f]+$/)
    const { calls } = evaluate(script, env)
    expect(calls[0]?.params.headers).toEqual({ accept: 'text/html', authorization: secret })
  })
})
