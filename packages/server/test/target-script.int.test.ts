import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, TARGET_SCRIPT_MAX_BYTES, type AgentTarget, type Target } from '@loadfleet/api'
import { adminHeader, createInjectApp, enrolAgent, tableCounts, type InjectApp } from './helpers/inject-app.js'

const admin = { 'content-type': 'application/json', authorization: adminHeader }
const SCRIPT = [
  "import http from 'k6/http'",
  "import { check } from 'k6'",
  'export const options = { vus: 2, duration: \'2s\' }',
  'export default function () {',
  "  check(http.get('http://127.0.0.1:9/'), { 'is 200': (r) => r.status === 200 })",
  '}',
].join('\n')
const EDITED = SCRIPT.replace('vus: 2', 'vus: 3')

interface Issue { path: string, message: string, line?: number }

describe.each(['sqlite', 'postgres'] as const)('scripted sites on %s', (kind) => {
  let t: InjectApp
  let agent: string

  beforeAll(async () => {
    t = await createInjectApp({ kind })
    agent = await enrolAgent(t.app, 'agent-scripts')
  })
  afterAll(async () => { await t.close() })

  const create = async (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url: 'http://127.0.0.1:9/', ...payload } })

  it('stores a script, answers it on reads and sends it to agents; null makes the site a URL site again', async () => {
    const res = await create({ script: SCRIPT })
    expect(res.statusCode).toBe(201)
    const target = res.json<Target>()
    expect(target.script).toBe(SCRIPT)
    const read = await t.app.inject({ method: 'GET', url: ROUTES.adminTarget(target.id), headers: admin })
    expect(read.json<Target>().script).toBe(SCRIPT)
    const patched = await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { script: EDITED } })
    expect(patched.statusCode).toBe(200)
    expect(patched.json<Target>().script).toBe(EDITED)
    const poll = await t.app.inject({ method: 'GET', url: ROUTES.agentTargets('agent-scripts'), headers: { authorization: agent } })
    expect(poll.json<{ data: AgentTarget[] }>().data.find((x) => x.id === target.id)?.script).toBe(EDITED)
    const cleared = await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { script: null } })
    expect(cleared.json<Target>().script).toBeNull()
    expect((await create({})).json<Target>().script).toBeNull()
  })

  it.each([
    ['a syntax error', 'export default function () {\n  let x = \n}\n', 3, /line 3: /],
    ['an unsupported import', "import http from 'k6/http'\nimport ws from 'k6/ws'\nexport default function () {}\n", 2, /k6\/ws/],
    ['a local module import', "import { f } from './lib.js'\nexport default function () { f() }\n", 1, /local module imports/],
    // Would close the compiled wrapper and run code in the control plane while the script is checked.
    ['an escape through "<!--"', 'let a = 1, b = 2\nlet x = a <!--b + `\n}); globalThis.__lfEscaped = true; ' +
      '(async function () { <!-- `\nexport default function () {}\n', 2, /"<!--" would read as a comment/],
  ])('refuses %s with 400 naming the line, storing nothing', async (_name, script, line, message) => {
    const before = await tableCounts(t.store)
    const res = await create({ script })
    expect(res.statusCode).toBe(400)
    const body = res.json<{ code: string, details: { issues: Issue[] } }>()
    expect(body.code).toBe('LF_REQUEST_INVALID')
    expect(body.details.issues).toContainEqual({ path: 'body.script', line, message: expect.stringMatching(message) as unknown })
    expect(body.details.issues[0]?.message).toMatch(new RegExp(`^line ${line}: `))
    expect(await tableCounts(t.store)).toEqual(before)
    expect((globalThis as Record<string, unknown>).__lfEscaped).toBeUndefined()
  })

  it('refuses a broken script on PATCH and keeps the stored one', async () => {
    const target = (await create({ script: SCRIPT })).json<Target>()
    const res = await t.app.inject({
      method: 'PATCH', url: ROUTES.adminTarget(target.id), headers: admin, payload: { script: 'export default function () { (' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json<{ details: { issues: Issue[] } }>().details.issues[0]).toMatchObject({ path: 'body.script', line: 1 })
    const read = await t.app.inject({ method: 'GET', url: ROUTES.adminTarget(target.id), headers: admin })
    expect(read.json<Target>().script).toBe(SCRIPT)
  })

  it.each([
    ['too large', `// ${'x'.repeat(TARGET_SCRIPT_MAX_BYTES)}\nexport default function () {}`, /larger than/],
    ['with a NUL', 'export default function () {}\u0000', /NUL/],
    ['empty', '  ', /empty/],
    ['not a string', 42, /string/],
  ])('refuses a script %s with 400 naming body.script', async (_name, script, message) => {
    const res = await create({ script })
    expect(res.statusCode).toBe(400)
    const issues = res.json<{ details: { issues: Issue[] } }>().details.issues
    expect(issues).toContainEqual(expect.objectContaining({ path: 'body.script', message: expect.stringMatching(message) as unknown }))
  })
})
