import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentProcess } from './helpers/agent-process.js'
import { buildRepo, waitFor } from './helpers/repo.js'

const NAME = 'agent-deliveries'
const MAX_ATTEMPTS = 3

let dataDir: string
let target: Server
let targetUrl: string
let standIn: Server
let standInUrl: string
const agents: AgentProcess[] = []

// What the stand-in control plane saw.
const finishOrder: string[] = [] // run ids in the order of their first finish attempt
const finishAttempts = new Map<string, number>()
const delivered: string[] = [] // run ids whose finish was acknowledged, in order
const heartbeats: Array<Record<string, unknown>> = []

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function bodyOf (req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text === '' ? {} : JSON.parse(text) as Record<string, unknown>
}

/**
 * A stand-in control plane (the real one cannot be made to refuse chosen results): the 1st result is refused
 * for good (400), the 2nd always fails (500), the 3rd meets "unavailable" (503) until the 4th has been
 * delivered, and every later one is accepted.
 */
async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await bodyOf(req)
  const url = req.url ?? ''
  const now = new Date().toISOString()
  const agent = { name: NAME, status: 'online', currentRunId: null, version: 't', registeredAt: now, lastSeenAt: now }
  if (url === '/api/k6/agents/register') return json(res, 200, agent)
  if (url.endsWith('/heartbeat')) {
    heartbeats.push(body)
    return json(res, 200, agent)
  }
  if (url.endsWith('/targets')) {
    return json(res, 200, {
      data: [{
        id: 'target-1', url: targetUrl, label: 'x', vus: 1, durationS: 1, runIntervalMs: 1000, enabled: true,
        createdAt: now, updatedAt: now, lastStartedAt: null,
      }],
    })
  }
  const finish = /\/runs\/([^/]+)\/finish$/.exec(url)
  if (finish !== null) {
    const runId = finish[1] ?? ''
    if (!finishOrder.includes(runId)) finishOrder.push(runId)
    finishAttempts.set(runId, (finishAttempts.get(runId) ?? 0) + 1)
    const position = finishOrder.indexOf(runId)
    if (position === 0) {
      return json(res, 400, { code: 'LF_REQUEST_INVALID', message: 'refused', details: { issues: [{ path: 'body.errorMessage', message: 'bad' }] } })
    }
    if (position === 1) return json(res, 500, { code: 'LF_INTERNAL', message: 'Internal error', details: {} })
    if (position === 2 && !delivered.includes(finishOrder[3] ?? '')) {
      return json(res, 503, { code: 'LF_DATABASE_UNAVAILABLE', message: 'retry', details: {} })
    }
    if (!delivered.includes(runId)) delivered.push(runId)
    return json(res, 200, { id: runId })
  }
  if (/\/runs$/.test(url) && req.method === 'POST') return json(res, 201, { id: body.id })
  return json(res, 404, { code: 'LF_ROUTE_NOT_FOUND', message: 'no route', details: {} })
}

beforeAll(async () => {
  buildRepo()
  dataDir = await mkdtemp(join(tmpdir(), 'lf-e2e-deliver-'))
  target = createServer((_req, res) => { res.end('ok') })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  standIn = createServer((req, res) => { void handle(req, res) })
  await once(standIn.listen(0, '127.0.0.1'), 'listening')
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`
}, 300_000)

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')))
  standIn.close()
  target.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('agent deliveries are independent', () => {
  it('dead-letters a refused result at once and a failing one after the bound, while later results go through', async () => {
    const worker = new AgentProcess(NAME, {
      DASHBOARD_URL: standInUrl, DASHBOARD_SECRET: 'agent-token-0123456789', TMP_DIR: join(dataDir, NAME),
      POLL_INTERVAL_MS: '200', HEARTBEAT_INTERVAL_MS: '300', DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    })
    agents.push(worker)
    await waitFor('six results delivered', () => (delivered.length >= 6 ? true : undefined), 60_000)
    const dead = await waitFor('two dead letters in the agent log', () => {
      const lines = worker.events.filter((e) => e.event === 'result_dead_lettered')
      return lines.length >= 2 ? lines : undefined
    }, 30_000)
    await waitFor('the dead-letter count in a heartbeat', () => (heartbeats.at(-1)?.deadLetters === 2 ? true : undefined), 10_000)
    await worker.stop('SIGTERM')

    const [refused = '', failing = '', unavailable = '', fourth = ''] = finishOrder
    expect(finishAttempts.get(refused)).toBe(1) // a 4xx is permanent: never sent again
    expect(finishAttempts.get(failing)).toBe(MAX_ATTEMPTS) // a 5xx: retried, then given up
    expect(dead.map((e) => ({ runId: e.runId, reason: e.reason, status: e.status }))).toEqual([
      { runId: refused, reason: 'rejected', status: 400 },
      { runId: failing, reason: 'retries exhausted', status: 500 },
    ])
    expect(worker.events.filter((e) => e.event === 'result_dead_lettered')).toHaveLength(2) // logged once each
    // The result stuck behind "unavailable" did not hold back the next one, and was delivered after all.
    expect(delivered.indexOf(fourth)).toBeGreaterThanOrEqual(0)
    expect(delivered.indexOf(unavailable)).toBeGreaterThan(delivered.indexOf(fourth))
    // Nothing is left in the spool for the dead letters, and no temp file.
    const spool = await readdir(join(dataDir, NAME, `loadfleet-spool-${NAME}`))
    expect(spool.filter((f) => f.startsWith(refused) || f.startsWith(failing) || f.includes('.tmp-'))).toEqual([])
  })
})
