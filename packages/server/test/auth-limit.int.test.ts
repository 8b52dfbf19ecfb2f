import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { ADMIN, adminHeader, agentHeader, createInjectApp, type InjectApp } from './helpers/inject-app.js'

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`
const WINDOW_MS = 1500

describe('brute-force protection of authentication', () => {
  let t: InjectApp
  const lines: string[] = []

  beforeAll(async () => {
    const logStream = new PassThrough()
    logStream.on('data', (chunk: Buffer) => { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')) })
    t = await createInjectApp({
      authLimits: {
        perAddress: { maxFailures: 5, windowMs: WINDOW_MS }, perUser: { maxFailures: 8, windowMs: WINDOW_MS },
      },
      logStream,
    })
  })
  afterAll(async () => { await t.close() })

  const adminGet = (authorization: string | undefined, remoteAddress: string) => t.app.inject({
    method: 'GET', url: ROUTES.adminTargets, remoteAddress, ...(authorization === undefined ? {} : { headers: { authorization } }),
  })

  it('answers 429 with Retry-After once an address failed too often, even to the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await adminGet(basic(`admin:guess-${i}`), '10.0.0.1')).statusCode).toBe(401)
    const limited = await adminGet(basic('admin:guess-5'), '10.0.0.1')
    expect(limited.statusCode).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(2)
    const body = limited.json<{ code: string, details: { retryAfterS: number } }>()
    expect(body.code).toBe('LF_AUTH_RATE_LIMITED')
    expect(body.details.retryAfterS).toBe(Number(limited.headers['retry-after']))
    expect((await adminGet(adminHeader, '10.0.0.1')).statusCode).toBe(429)
    // Another address with the right credentials is not affected.
    expect((await adminGet(adminHeader, '10.0.0.2')).statusCode).toBe(200)
  })

  it('limits one user tried from many addresses, and not other users', async () => {
    for (let i = 0; i < 8; i++) expect((await adminGet(basic(`root:spray-${i}`), `10.0.1.${i}`)).statusCode).toBe(401)
    expect((await adminGet(basic('root:spray-9'), '10.0.1.200')).statusCode).toBe(429)
    expect((await adminGet(basic('bob:spray'), '10.0.1.201')).statusCode).toBe(401)
  })

  const register = (authorization: string, remoteAddress: string) => t.app.inject({
    method: 'POST', url: ROUTES.agentRegister, remoteAddress, payload: { name: 'a1' },
    headers: { authorization, 'content-type': 'application/json' },
  })

  it('limits guesses of the agents\' enrolment secret too', async () => {
    for (let i = 0; i < 5; i++) expect((await register(`Bearer wrong-${i}`, '10.0.2.1')).statusCode).toBe(401)
    expect((await register('Bearer wrong-5', '10.0.2.1')).statusCode).toBe(429)
  })

  it('does not limit refused agent credentials: a fleet whose credentials were voided at once registers again', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({
        method: 'GET', url: ROUTES.agentTargets(`a${i}`), remoteAddress: '10.0.4.1', headers: { authorization: `Bearer stale-${i}` },
      })
      expect(res.statusCode).toBe(401)
    }
    expect((await register(agentHeader, '10.0.4.1')).statusCode).toBe(200)
  })

  it('does not limit requests without credentials (a signed-out dashboard)', async () => {
    for (let i = 0; i < 12; i++) expect((await adminGet(undefined, '10.0.3.1')).statusCode).toBe(401)
  })

  it('logs each failure with address and user but never the secret, and counts it in /api/metrics', async () => {
    const failures = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('authentication'))
    expect(failures.filter((l) => l.msg === 'authentication failed' && l.reason === 'wrong_credentials')).toHaveLength(5 + 9 + 5 + 12)
    expect(failures).toContainEqual(expect.objectContaining({ ip: '10.0.0.1', user: 'admin', auth: 'admin', reason: 'wrong_credentials' }))
    expect(failures).toContainEqual(expect.objectContaining({ ip: '10.0.0.1', reason: 'rate_limited' }))
    const everything = lines.join('\n')
    for (const secret of ['guess-', 'spray-', 'wrong-', 'stale-', ADMIN.split(':')[1] ?? '?']) expect(everything).not.toContain(secret)
    const metrics = (await t.app.inject({ method: 'GET', url: ROUTES.metrics })).body
    expect(metrics).toMatch(/loadfleet_auth_failures_total\{reason="wrong_credentials"\} 31\b/)
    expect(metrics).toMatch(/loadfleet_auth_failures_total\{reason="rate_limited"\} 4\b/)
    expect(metrics).toMatch(/loadfleet_auth_failures_total\{reason="missing"\} 12\b/)
  })

  it('lets the address in again once its window has passed', async () => {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100))
    expect((await adminGet(adminHeader, '10.0.0.1')).statusCode).toBe(200)
  })
})
