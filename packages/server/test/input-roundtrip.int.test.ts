import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { adminHeader, agentHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'

const json = { 'content-type': 'application/json' }
const admin = { ...json, authorization: adminHeader }
const enrolment = { ...json, authorization: agentHeader }

describe.each(['sqlite', 'postgres'] as const)('stored input round-trips or is refused (%s)', (kind) => {
  let t: InjectApp
  let targetId: string
  let agent: Record<string, string>

  beforeAll(async () => {
    t = await createInjectApp({ kind })
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url: 'http://127.0.0.1:9/' } })
    targetId = res.json<{ id: string }>().id
    agent = { ...json, authorization: await enrolAgent(t.app, 'rt-agent') }
    await t.app.inject({
      method: 'POST', url: ROUTES.agentRunStart('rt-agent'), headers: agent, payload: { id: 'run-roundtrip-1', targetId },
    })
  })
  afterAll(async () => { await t.close() })

  // Raw JSON text, so escapes such as \u0000 and \ud800 reach the server as a client could send them.
  const refused: Array<[string, 'POST' | 'GET' | 'PATCH', string, string | undefined, string]> = [
    ['NUL in a label', 'POST', ROUTES.adminTargets, '{"url":"http://a.example/","label":"a\\u0000b"}', 'body.label'],
    ['NUL in a URL', 'POST', ROUTES.adminTargets, '{"url":"http://a.example/\\u0000"}', 'body.url'],
    ['lone high surrogate in a label', 'POST', ROUTES.adminTargets, '{"url":"http://a.example/","label":"x\\ud800y"}', 'body.label'],
    ['lone low surrogate in a label', 'POST', ROUTES.adminTargets, '{"url":"http://a.example/","label":"\\udc00"}', 'body.label'],
    ['NUL in a field name', 'POST', ROUTES.adminTargets, '{"url":"http://a.example/","a\\u0000":1}', 'body.a\u0000'],
    ['NUL in an agent version', 'POST', ROUTES.agentRegister, '{"name":"rt-agent-2","version":"1\\u0000"}', 'body.version'],
    ['NUL in an errorMessage', 'POST', ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'),
      '{"status":"error","errorMessage":"boom\\u0000"}', 'body.errorMessage'],
    ['NUL deep in a summary', 'POST', ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'),
      '{"status":"error","summary":{"a":{"b":["ok","\\u0000"]}}}', 'body.summary.a.b.1'],
    ['NUL in a path parameter', 'GET', `${ROUTES.dashboardRuns}/a%00b`, undefined, 'params.id'],
    ['NUL in a query parameter', 'GET', `${ROUTES.dashboardRuns}?targetId=a%00b`, undefined, 'querystring.targetId'],
    ['CR LF in a URL', 'POST', ROUTES.adminTargets, '{"url":"http://a.example/x\\r\\nHost: evil"}', 'body.url'],
    ['TAB in a URL', 'POST', ROUTES.adminTargets, '{"url":"http://a.exa\\tmple/"}', 'body.url'],
    ['a leading space in a URL', 'POST', ROUTES.adminTargets, '{"url":" http://a.example/"}', 'body.url'],
    ['http:///x', 'POST', ROUTES.adminTargets, '{"url":"http:///x"}', 'body.url'],
    ['http:x', 'POST', ROUTES.adminTargets, '{"url":"http:a.example"}', 'body.url'],
    ['backslashes for slashes', 'POST', ROUTES.adminTargets, '{"url":"http:\\\\\\\\evil.example\\\\x"}', 'body.url'],
    ['a URL the parser rejects', 'POST', ROUTES.adminTargets, '{"url":"http://a b.example/"}', 'body.url'],
    ['a patch to http:///x', 'PATCH', '/api/admin/k6/targets/TARGET', '{"url":"http:///x"}', 'body.url'],
    ['a start dated in the year 275760', 'POST', ROUTES.agentRunStart('rt-agent'),
      `{"id":"run-far-future","targetId":"TARGET","startedAt":"${new Date(8.64e15).toISOString()}"}`, 'body.startedAt'],
    ['a start dated 1970', 'POST', ROUTES.agentRunStart('rt-agent'),
      '{"id":"run-far-past","targetId":"TARGET","startedAt":"1970-01-01T00:00:00.000Z"}', 'body.startedAt'],
    ['a finish an hour ahead', 'POST', ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'),
      `{"status":"error","finishedAt":"${new Date(Date.now() + 3_600_000).toISOString()}"}`, 'body.finishedAt'],
    ['a summary nested 100,000 deep', 'POST', ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'),
      `{"status":"error","summary":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, 'body.summary'],
    ['a summary nested 40 deep', 'POST', ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'),
      `{"status":"error","summary":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, 'body.summary'],
    ['a summary of 300 kB', 'POST', ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'),
      `{"status":"error","summary":{"big":"${'x'.repeat(300_000)}"}}`, 'body.summary'],
  ]

  it.each(refused)('%s: 400 naming the field, nothing written', async (_name, method, url, payload, path) => {
    const before = await tableCounts(t.store)
    const res = await t.app.inject({
      method, url: url.replace('TARGET', targetId),
      headers: url === ROUTES.agentRegister ? enrolment : (url.startsWith('/api/k6/') ? agent : admin),
      ...(payload === undefined ? {} : { payload: payload.replace('TARGET', targetId) }),
    })
    expect(res.statusCode).toBe(400)
    const body = res.json<{ code: string, details: { issues: Array<{ path: string }> } }>()
    expect(body.code).toBe('LF_REQUEST_INVALID')
    // A too-deep body is named where the depth limit was reached, under the field that holds it.
    expect(body.details.issues.some((i) => i.path === path || i.path.startsWith(`${path}.`))).toBe(true)
    expect(await tableCounts(t.store)).toEqual(before)
    const run = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun('run-roundtrip-1') })
    expect(run.json<{ status: string }>().status).toBe('running')
  })

  it.each(['utf-16', 'UTF-16LE', 'iso-8859-1'])('refuses a body declared as charset=%s with 415', async (charset) => {
    const before = await tableCounts(t.store)
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets,
      headers: { authorization: adminHeader, 'content-type': `application/json; charset=${charset}` },
      payload: '{"url":"http://a.example/"}',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json<{ code: string }>().code).toBe('LF_UNSUPPORTED_MEDIA_TYPE')
    expect(await tableCounts(t.store)).toEqual(before)
  })

  it('accepts charset=utf-8 and stores URLs in their WHATWG form, text exactly', async () => {
    const label = 'Café ☕ 👩‍👩‍👧 e\u0301 日本語 \u{10FFFF}'
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.adminTargets,
      headers: { authorization: adminHeader, 'content-type': 'application/json; charset=UTF-8' },
      payload: JSON.stringify({ url: 'HTTP://Bücher.Example:80/a b?q=1', label }),
    })
    expect(res.statusCode).toBe(201)
    const created = res.json<{ id: string, url: string, label: string }>()
    expect(created.url).toBe('http://xn--bcher-kva.example/a%20b?q=1')
    const read = await t.app.inject({ method: 'GET', url: ROUTES.adminTarget(created.id), headers: admin })
    expect(read.json()).toMatchObject({ url: 'http://xn--bcher-kva.example/a%20b?q=1', label })
  })

  it('stores a summary within the limits and an in-range finish time', async () => {
    const finishedAt = new Date(Date.now() - 1000).toISOString()
    const summary = { nested: { deeper: { text: 'ok ☕' } }, list: [1, 2, 3] }
    const res = await t.app.inject({
      method: 'POST', url: ROUTES.agentRunFinish('rt-agent', 'run-roundtrip-1'), headers: agent,
      payload: { status: 'error', errorMessage: 'x\ny', finishedAt, summary },
    })
    expect(res.statusCode).toBe(200)
    const detail = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRun('run-roundtrip-1') })
    expect(detail.json()).toMatchObject({ status: 'error', errorMessage: 'x\ny', finishedAt, summary })
  })
})
