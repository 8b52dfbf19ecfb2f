import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AGENT_NAME_MAX_CHARS, ROUTES } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

const TOKEN = 'agent-token-0123456789'
const ADMIN = 'admin:correct-horse-battery'
const agentHeaders = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const adminHeaders = { authorization: `Basic ${Buffer.from(ADMIN).toString('base64')}`, 'content-type': 'application/json' }

interface RawAnswer { status: number, headers: string, body: string }

/** Sends bytes as they are (no client normalising the URL or refusing bad headers) and reads the whole answer. */
async function raw (url: string, request: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', body = ''] = text.split('\r\n\r\n')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body })
    })
    socket.end(request)
  })
}

function expectErrorBody (body: unknown, code: string): void {
  const { code: actual, message, details, ...rest } = body as Record<string, unknown>
  expect({ code: actual, rest }).toEqual({ code, rest: {} })
  expect(typeof message === 'string' && message.length > 10).toBe(true)
  expect(typeof details === 'object' && details !== null).toBe(true)
}

describe('agent names: one length limit, and every error answer in the { code, message, details } body', () => {
  let db: TestDatabase
  let server: RunningServer

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    server = await startServer({ ...serverOptionsFor(db), adminBasicAuth: ADMIN, dashboardSecret: TOKEN })
  })

  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const post = (path: string, body: unknown, headers: Record<string, string> = agentHeaders) => fetch(`${server.url}${path}`, {
    method: 'POST', headers, body: JSON.stringify(body),
  })

  it(`an agent named with exactly ${AGENT_NAME_MAX_CHARS} characters registers and then works on every agent route`, async () => {
    const name = `a${'b'.repeat(AGENT_NAME_MAX_CHARS - 2)}z`
    expect(name).toHaveLength(AGENT_NAME_MAX_CHARS)
    const target = await fetch(`${server.url}${ROUTES.adminTargets}`, {
      method: 'POST', headers: adminHeaders, body: JSON.stringify({ url: 'http://127.0.0.1:9/', durationS: 1 }),
    })
    expect(target.status).toBe(201)
    const targetId = (await target.json() as { id: string }).id
    const registered = await post(ROUTES.agentRegister, { name, version: 't' })
    expect(registered.status).toBe(200)
    const own = { ...agentHeaders, authorization: `Bearer ${(await registered.json() as { credential: string }).credential}` }
    expect((await post(ROUTES.agentHeartbeat(name), { status: 'online', currentRunId: null }, own)).status).toBe(200)
    const poll = await fetch(`${server.url}${ROUTES.agentTargets(name)}`, { headers: own })
    expect(poll.status).toBe(200)
    expect((await poll.json() as { data: unknown[] }).data).toHaveLength(1)
    const runId = '0123456789abcdef'
    expect((await post(ROUTES.agentRunStart(name), { id: runId, targetId }, own)).status).toBe(201)
    expect((await post(ROUTES.agentRunFinish(name, runId), { status: 'error', errorMessage: 'x' }, own)).status).toBe(200)
  })

  it(`refuses a ${AGENT_NAME_MAX_CHARS + 1}-character name at registration with 400 naming body.name and the limit`, async () => {
    const res = await post(ROUTES.agentRegister, { name: 'a'.repeat(AGENT_NAME_MAX_CHARS + 1) })
    expect(res.status).toBe(400)
    const body = await res.json() as { code: string, details: { issues: Array<{ path: string, message: string }> } }
    expectErrorBody(body, 'LF_REQUEST_INVALID')
    expect(body.details.issues).toContainEqual({ path: 'body.name', message: `expected at most ${AGENT_NAME_MAX_CHARS} characters` })
    const agents = await (await fetch(`${server.url}${ROUTES.dashboardAgents}`)).json() as { data: Array<{ name: string }> }
    expect(agents.data.every((a) => a.name.length <= AGENT_NAME_MAX_CHARS)).toBe(true)
  })

  it('answers an over-long path parameter with 414 LF_PATH_PARAM_TOO_LONG, not fastify\'s own body', async () => {
    const res = await post(ROUTES.agentHeartbeat('a'.repeat(AGENT_NAME_MAX_CHARS + 1)), { status: 'online' })
    expect(res.status).toBe(414)
    const body = await res.json()
    expectErrorBody(body, 'LF_PATH_PARAM_TOO_LONG')
    expect(body).toMatchObject({ details: { maxChars: AGENT_NAME_MAX_CHARS } })
  })

  it('answers unknown routes, bad media types, big bodies and malformed JSON in the common body', async () => {
    const cases: Array<[Promise<Response>, number, string]> = [
      [fetch(`${server.url}/api/nope`), 404, 'LF_ROUTE_NOT_FOUND'],
      [fetch(`${server.url}/nope`, { method: 'DELETE' }), 404, 'LF_ROUTE_NOT_FOUND'],
      [fetch(`${server.url}${ROUTES.agentRegister}`, {
        method: 'POST', headers: { ...agentHeaders, 'content-type': 'application/xml' }, body: '<x/>',
      }), 415, 'LF_UNSUPPORTED_MEDIA_TYPE'],
      [fetch(`${server.url}${ROUTES.agentRegister}`, {
        method: 'POST', headers: agentHeaders, body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
      }), 413, 'LF_BODY_TOO_LARGE'],
      [fetch(`${server.url}${ROUTES.agentRegister}`, { method: 'POST', headers: agentHeaders, body: '{"name":' }),
        400, 'LF_REQUEST_INVALID'],
      [fetch(`${server.url}${ROUTES.agentRegister}`, { method: 'POST', body: '{}' }), 401, 'LF_UNAUTHORIZED'],
    ]
    for (const [request, status, code] of cases) {
      const res = await request
      expect({ status: res.status, code }).toEqual({ status, code })
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      expectErrorBody(await res.json(), code)
    }
  })

  it('answers malformed percent-encoding in a path with 400 LF_REQUEST_INVALID', async () => {
    const answer = await raw(server.url,
      `GET /api/k6/agents/%E0%A4%A/targets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`)
    expect(answer.status).toBe(400)
    expectErrorBody(JSON.parse(answer.body), 'LF_REQUEST_INVALID')
  })

  it('answers oversized headers (431) and malformed HTTP (400) in the common body', async () => {
    const huge = await raw(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`)
    expect(huge.status).toBe(431)
    expect(huge.headers).toMatch(/content-type: application\/json/i)
    expectErrorBody(JSON.parse(huge.body), 'LF_HEADERS_TOO_LARGE')
    const garbage = await raw(server.url, 'NOT HTTP AT ALL\r\n\r\n')
    expect(garbage.status).toBe(400)
    expectErrorBody(JSON.parse(garbage.body), 'LF_REQUEST_INVALID')
  })
})

describe('a control plane that is shutting down', () => {
  it('answers a request that arrives during the drain with 503 LF_SERVER_CLOSING in the common body', async () => {
    const db = await createTestDatabase('sqlite')
    const server = await startServer({ ...serverOptionsFor(db), dashboardSecret: TOKEN })
    const { hostname, port } = new URL(server.url)
    try {
      // A request still arriving keeps its connection busy through close(); the one pipelined behind it is
      // routed while the server drains.
      const socket = connect(Number(port), hostname)
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      const closed = new Promise((resolve) => socket.on('close', resolve))
      const body = JSON.stringify({ name: 'draining-agent' })
      socket.write(`POST /api/k6/agents/register HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const closing = server.close()
      await new Promise((resolve) => setTimeout(resolve, 100))
      socket.write(`${body.slice(5)}GET /api/dashboard/k6/targets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      await closed
      await closing
      const answers = Buffer.concat(chunks).toString('utf8').split(/(?=HTTP\/1\.1 \d{3})/)
      expect(answers.map((a) => a.slice(0, 12))).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503'])
      const last = answers[1] ?? ''
      expectErrorBody(JSON.parse(last.slice(last.indexOf('\r\n\r\n') + 4)), 'LF_SERVER_CLOSING')
    } finally {
      await server.close()
      await db.drop()
    }
  })
})
