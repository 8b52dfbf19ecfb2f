import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEgressPolicy, egressRefusal } from '@loadfleet/core/egress'
import { createHttpClient, type EgressCheck, type HttpRequestSpec } from '../src/http/index.js'
import { prepareScript, runScript, runTest } from '../src/index.js'

// A real target on loopback; the policy denies its port on 127.0.0.0/8, so "localhost" must resolve into the denied
// range and be refused before any byte is sent.
let target: Server
let port = 0
let connections = 0
let other: Server
let otherPort = 0

function spec (url: string): HttpRequestSpec {
  return { method: 'GET', url: new URL(url), headers: {}, timeoutMs: 5000, maxRedirects: 10 }
}

function checkOf (deny: string): { check: EgressCheck, calls: () => number } {
  const { policy, errors } = createEgressPolicy({ deny })
  expect(errors).toEqual([])
  let calls = 0
  return { check: (d) => { calls++; return egressRefusal(policy, d) }, calls: () => calls }
}

beforeAll(async () => {
  target = createServer((_req, res) => { res.end('ok') })
  target.on('connection', () => { connections++ })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  port = (target.address() as AddressInfo).port
  // Redirects to the denied target.
  other = createServer((_req, res) => { res.writeHead(302, { location: `http://localhost:${port}/` }).end() })
  await once(other.listen(0, '127.0.0.1'), 'listening')
  otherPort = (other.address() as AddressInfo).port
})

afterAll(() => {
  target.close()
  other.close()
})

describe('egress policy in the connection path', () => {
  it('refuses a name that resolves into a denied range, after DNS, without connecting', async () => {
    const { check } = checkOf(`127.0.0.0/8:${port}`)
    const client = createHttpClient({ insecureSkipTLSVerify: false, userAgent: 't', onSample: () => {}, egress: check })
    const before = connections
    const res = await client.request(spec(`http://localhost:${port}/`))
    client.close()
    expect(res.status).toBe(0)
    expect(res.errorKind).toBe('other')
    expect(res.errorMessage).toMatch(new RegExp(`^egress policy: localhost \\((127.0.0.1|::ffff:127.0.0.1)\\):${port} is denied by TARGET_DENY rule "127.0.0.0/8:${port}"`))
    expect(connections).toBe(before)
  })

  it('refuses a literal address before opening a socket, and a redirect into the denied range', async () => {
    const { check } = checkOf(`127.0.0.0/8:${port}`)
    const client = createHttpClient({ insecureSkipTLSVerify: false, userAgent: 't', onSample: () => {}, egress: check })
    const before = connections
    const literal = await client.request(spec(`http://127.0.0.1:${port}/`))
    expect(literal.errorMessage).toMatch(/^egress policy: 127.0.0.1:\d+ is denied/)
    const redirected = await client.request(spec(`http://127.0.0.1:${otherPort}/`))
    expect(redirected.errorMessage).toMatch(/^egress policy: localhost/)
    client.close()
    expect(connections).toBe(before)
  })

  it('checks once per connection, not per request', async () => {
    const { check, calls } = checkOf('10.0.0.0/8')
    const client = createHttpClient({ insecureSkipTLSVerify: false, userAgent: 't', onSample: () => {}, egress: check })
    for (let i = 0; i < 200; i++) expect((await client.request(spec(`http://localhost:${port}/`))).status).toBe(200)
    client.close()
    // One check before DNS and one per resolved address (localhost may resolve to 127.0.0.1 and ::1).
    expect(calls()).toBeLessThanOrEqual(3)
  })

  it('runTest passes the check to every VU', async () => {
    const { check } = checkOf(`127.0.0.0/8:${port}`)
    const result = await runTest({
      scenarios: [{ executor: 'per-vu-iterations', name: 'default', startTimeMs: 0, gracefulStopMs: 1000, vus: 2, iterations: 2, maxDurationMs: 5000 }],
      requests: [{ name: 'x', method: 'GET', url: `http://localhost:${port}/`, headers: {}, expectStatus: null, timeoutMs: 2000 }],
      sleepMs: 0, thresholds: [], insecureSkipTLSVerify: false, maxRedirects: 10, userAgent: 't', summaryTrendStats: ['avg'],
    }, { egress: check })
    expect(result.errorKinds.other ?? 0).toBeGreaterThan(0)
    expect(result.statusCodes['200'] ?? 0).toBe(0)
  })

  it("runScript passes the check to a script's requests", async () => {
    const { check } = checkOf(`127.0.0.0/8:${port}`)
    const source = `import http from 'k6/http'
export const options = { vus: 1, iterations: 3 }
export default function () { http.get('http://127.0.0.1:${port}/') }`
    const prepared = await prepareScript('egress.js', { read: () => Promise.resolve(source) })
    expect(prepared.diagnostics).toEqual([])
    const before = connections
    const { result } = await runScript(prepared.value as NonNullable<typeof prepared.value>, { egress: check })
    expect(result.errorKinds.other).toBe(3)
    expect(result.statusCodes['200'] ?? 0).toBe(0)
    expect(connections).toBe(before)
  })
})
