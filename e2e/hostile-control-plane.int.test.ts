import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

// A control plane that sends whatever it likes: the agent must refuse all of it but the one honest target.
const base = { label: 'hostile', vus: 1, durationS: 1, runIntervalMs: 3_600_000, enabled: true, lastStartedAt: null }
const HOSTILE: Array<{ id: string, change: Record<string, unknown>, reason: RegExp }> = [
  { id: 'vus-1e9', change: { vus: 1e9 }, reason: /vus/ },
  { id: 'vus-over-agent-max', change: { vus: 1001 }, reason: /AGENT_MAX_VUS/ },
  { id: 'duration-over-agent-max', change: { durationS: 901 }, reason: /AGENT_MAX_DURATION/ },
  { id: 'duration-over-schema', change: { durationS: 1e7 }, reason: /durationS/ },
  { id: 'file-url', change: { url: 'file:///etc/passwd' }, reason: /url/ },
  { id: 'javascript-url', change: { url: 'javascript:alert(1)' }, reason: /url/ },
  { id: 'gopher-url', change: { url: 'gopher://127.0.0.1:70/_HELO' }, reason: /url/ },
  { id: 'crlf-url', change: { url: 'http://127.0.0.1:9/\r\nHost: evil' }, reason: /url/ },
  { id: 'url-not-text', change: { url: { href: 'http://x/' } }, reason: /url/ },
  { id: 'vus-as-text', change: { vus: '10' }, reason: /vus/ },
  // Egress: the built-in denial of cloud metadata, and a name resolving into a range this agent's TARGET_DENY denies.
  { id: 'metadata', change: { url: 'http://169.254.169.254/latest/meta-data/' }, reason: /egress policy: .*built-in rule/ },
  {
    id: 'localhost-into-denied-range', change: { url: 'http://localhost:1/' },
    reason: /egress policy: localhost \(127\.0\.0\.1\):1 is denied by TARGET_DENY rule "127\.0\.0\.0\/8:1"/,
  },
]

interface Finish { runId: string, status: string, errorMessage: string | null }

let dataDir: string
let controlPlane: Server
let target: Server
let targetHits = 0
let agent: AgentProcess | undefined
const starts = new Map<string, string>()
const finishes = new Map<string, Finish>()

async function bodyOf (req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-hostile-'))
  target = createServer((_req, res) => { targetHits++; res.end('ok') })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  const honestUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  const targets = [
    ...HOSTILE.map(({ id, change }) => ({ ...base, id, url: honestUrl, ...change })),
    { ...base, id: 'honest', url: honestUrl },
    // Unschedulable: no id, no interval, not even an object. Logged, never run.
    { ...base, id: undefined, url: honestUrl }, { ...base, id: 'no-interval', runIntervalMs: -1 }, 'garbage', null,
  ]
  controlPlane = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req)
      const url = req.url ?? ''
      res.setHeader('content-type', 'application/json')
      const agentView = { name: 'hostile-agent', status: 'online', currentRunId: null, version: 'x', registeredAt: new Date().toISOString(), lastSeenAt: new Date().toISOString() }
      if (url.endsWith('/register') || url.endsWith('/heartbeat')) return res.end(JSON.stringify({ ...agentView, credential: 'c'.repeat(43) }))
      if (url.endsWith('/targets')) return res.end(JSON.stringify({ data: targets }))
      const finish = /\/runs\/([^/]+)\/finish$/.exec(url)
      if (finish?.[1] !== undefined) {
        finishes.set(starts.get(finish[1]) ?? '?', { runId: finish[1], status: String(body.status), errorMessage: body.errorMessage as string | null })
        return res.end('{}')
      }
      if (url.endsWith('/runs')) {
        starts.set(String(body.id), String(body.targetId))
        res.statusCode = 201
        return res.end('{}')
      }
      res.statusCode = 404
      res.end('{"code":"LF_ROUTE_NOT_FOUND","message":"no"}')
    })()
  })
  await once(controlPlane.listen(0, '127.0.0.1'), 'listening')
}, 300_000)

afterAll(async () => {
  await agent?.stop('SIGKILL')
  controlPlane.close()
  target.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('an agent served by a hostile control plane', () => {
  it('refuses every bad target with a reported error naming the reason, and runs the honest one', async () => {
    agent = new AgentProcess('hostile-agent', {
      DASHBOARD_URL: `http://127.0.0.1:${(controlPlane.address() as AddressInfo).port}`, DASHBOARD_SECRET: 'enrolment-token',
      TMP_DIR: dataDir, TARGET_DENY: '127.0.0.0/8:1', POLL_INTERVAL_MS: '200', HEARTBEAT_INTERVAL_MS: '500', MAX_CONCURRENT_RUNS: '4',
    })
    await waitFor('every target to be reported', () => (finishes.size >= HOSTILE.length + 1 ? true : undefined), 60_000)
    for (const { id, reason } of HOSTILE) {
      const finish = finishes.get(id)
      expect(finish, id).toMatchObject({ status: 'error' })
      expect(finish?.errorMessage, id).toMatch(/^target refused by the agent: /)
      expect(finish?.errorMessage, id).toMatch(reason)
    }
    expect(finishes.get('honest')).toMatchObject({ status: 'passed', errorMessage: null })
    // Only the honest target sent traffic, and the agent is still small and alive.
    expect(targetHits).toBeGreaterThan(0)
    expect(targetHits).toBeLessThan(10)
    const pid = agent.child.pid ?? 0
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1])
    expect(rssKb).toBeLessThan(200 * 1024)
    expect(agent.exited).toBe(false)
    expect(agent.events.filter((e) => e.event === 'target_unusable')).toHaveLength(4)
    expect(agent.stray).toEqual([])
  })
})
