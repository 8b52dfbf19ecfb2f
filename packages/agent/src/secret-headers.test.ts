import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentTarget } from '@loadfleet/api'
import { executeRun } from './run-executor.js'
import { resolveSecretHeaders } from './secret-headers.js'
import { testSpecOf } from './test-spec-of.js'

const SECRET = 'Bearer agent-side-s3cret-4711'
let target: Server
let url: string
let dir: string
const seen: IncomingHttpHeaders[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-secret-headers-'))
  target = createServer((req, res) => {
    seen.push(req.headers)
    res.end('ok')
  })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
})

afterAll(async () => {
  target.close()
  await rm(dir, { recursive: true, force: true })
})

function agentTarget (over: Partial<AgentTarget> = {}): AgentTarget {
  return {
    id: 't1', url, label: '', vus: 1, durationS: 1, runIntervalMs: 60_000, enabled: true,
    thresholds: {}, expectedStatuses: ['200-399'],
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', lastStartedAt: null, ...over,
  }
}

describe('resolveSecretHeaders', () => {
  it('takes literals as sent, env:NAME from the environment and file:/path from disk (without its final newline)', async () => {
    const file = join(dir, 'token')
    await writeFile(file, 'from-a-file\n')
    const resolved = await resolveSecretHeaders(agentTarget({
      secretHeaders: { 'Authorization': SECRET, 'X-Env': 'env:LF_TEST_KEY', 'X-File': `file:${file}` },
    }), { LF_TEST_KEY: 'from-env' })
    expect(resolved).toEqual({ headers: { 'Authorization': SECRET, 'X-Env': 'from-env', 'X-File': 'from-a-file' } })
  })

  it.each([
    [{ 'X-Key': 'env:LF_MISSING' }, 'secret header "X-Key": environment variable LF_MISSING is not set'],
    [{ 'X-Key': 'file:/nonexistent/lf-secret' }, 'secret header "X-Key": cannot read /nonexistent/lf-secret (ENOENT)'],
  ])('names the header and the reference when %o cannot be resolved', async (secretHeaders, problem) => {
    expect(await resolveSecretHeaders(agentTarget({ secretHeaders }), {})).toEqual({ problem })
  })

  it('refuses a file whose content would split the request, without quoting it', async () => {
    const file = join(dir, 'bad')
    await writeFile(file, 'abc\r\nX-Injected: 1\n')
    const resolved = await resolveSecretHeaders(agentTarget({ secretHeaders: { 'X-Key': `file:${file}` } }), {})
    const problem = expect.stringMatching(/^secret header "X-Key": expected a value without CR, LF/) as unknown
    expect(resolved).toEqual({ problem })
    expect(JSON.stringify(resolved)).not.toContain('Injected')
  })

  it('fails a run whose header the control plane could not open', async () => {
    const resolved = await resolveSecretHeaders(agentTarget({ unreadableSecretHeaders: ['Authorization'] }), {})
    expect(resolved).toMatchObject({ problem: expect.stringContaining('"Authorization" is sealed with a key') as unknown })
  })
})

describe('a run with secret headers (built-in engine, local target)', () => {
  it('sends plain and secret headers, and no secret value lands in the finished result', async () => {
    seen.length = 0
    const t = agentTarget({ headers: { Accept: 'text/plain' }, secretHeaders: { Authorization: SECRET } })
    const resolved = await resolveSecretHeaders(t, {})
    if (!('headers' in resolved)) throw new Error(resolved.problem)
    const spec = testSpecOf(t, { vus: 1, durationMs: 1000, userAgent: 'loadfleet-agent/test' }, resolved.headers)
    const { finish } = await executeRun({ spec, signal: new AbortController().signal, k6Binary: undefined, tmpDir: dir, runId: 'run-secret-1' })
    expect(finish.status).toBe('passed')
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((h) => h.authorization === SECRET && h.accept === 'text/plain')).toBe(true)
    expect(JSON.stringify(finish)).not.toContain('s3cret')
  })
})
