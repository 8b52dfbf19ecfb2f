import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres.js'

const CLI = fileURLToPath(new URL('../../cli/bin/loadfleet.js', import.meta.url))
const CLI_BUILT = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url))
const ADMIN = 'admin:correct-horse-battery'
const TOKEN = 'agent-token-0123456789'
const admin = { authorization: `Basic ${Buffer.from(ADMIN).toString('base64')}`, 'content-type': 'application/json' }
const agent = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const RESTARTS = 6
const OUTAGE_MS = 1500
const WRITERS = 6
const AGENTS = 4

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// The machine's shared PostgreSQL serves other tests at the same time, so this test restarts a cluster of its own.
const unavailable = privatePostgresUnavailable()
if (unavailable !== undefined) {
  console.warn(`pg-restart: cannot create a private PostgreSQL cluster (${unavailable}); this test fails instead of skipping`)
}

describe('control plane on a real PostgreSQL restarted repeatedly under concurrent load', () => {
  let pg: PrivatePostgres
  let child: ChildProcess
  let output = ''
  let url = ''
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-pg-restart-'))

  beforeAll(async () => {
    expect(unavailable, 'a private PostgreSQL cluster is needed').toBeUndefined()
    expect(existsSync(CLI_BUILT), 'run `npm run build` first: this test starts the built CLI').toBe(true)
    pg = await startPrivatePostgres()
    child = spawn(process.execPath, [CLI, 'server'], {
      env: {
        PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, DATABASE_URL: pg.url,
        ADMIN_BASIC_AUTH: ADMIN, DASHBOARD_SECRET: TOKEN, LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    const deadline = Date.now() + 30_000
    while (!/listening on (http:\S+)/.test(output) && Date.now() < deadline) await sleep(50)
    url = /listening on (http:\S+)/.exec(output)?.[1] ?? ''
    expect(url, output).not.toBe('')
  }, 90_000)

  afterAll(async () => {
    child.kill('SIGKILL')
    await pg.destroy()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('lives through every restart and crash, answers 503 JSON meanwhile, recovers alone and loses no acknowledged write', async () => {
    const own: Array<Record<string, string>> = []
    for (let i = 0; i < AGENTS; i++) {
      const res = await fetch(`${url}${ROUTES.agentRegister}`, { method: 'POST', headers: agent, body: JSON.stringify({ name: `pg-agent-${i}` }) })
      expect(res.status).toBe(200)
      own.push({ ...agent, authorization: `Bearer ${(await res.json() as { credential: string }).credential}` })
    }
    const acknowledged: string[] = []
    const statuses = new Map<number, number>()
    const unexpected: string[] = []
    let stopLoad = false

    const record = async (res: Response, okStatus: number): Promise<unknown> => {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      const body: unknown = await res.json()
      if (res.status === 503) {
        if ((body as { code?: string }).code !== 'LF_DATABASE_UNAVAILABLE') unexpected.push(`503 ${JSON.stringify(body)}`)
      } else if (res.status !== okStatus) {
        unexpected.push(`${res.status} ${JSON.stringify(body)}`)
      }
      return body
    }
    const guard = async (work: () => Promise<void>): Promise<void> => {
      try {
        await work()
      } catch (err) {
        unexpected.push(`request failed: ${String(err)}`) // no answer at all: the process died or hung up
        await sleep(100)
      }
    }
    const writer = async (w: number): Promise<void> => {
      for (let n = 0; !stopLoad; n++) {
        await guard(async () => {
          const res = await fetch(`${url}${ROUTES.adminTargets}`, {
            method: 'POST', headers: admin, body: JSON.stringify({ url: 'http://127.0.0.1:9/', label: `w${w}-${n}`, enabled: false }),
          })
          const body = await record(res, 201)
          if (res.status === 201) acknowledged.push((body as { id: string }).id)
          else await sleep(50)
        })
      }
    }
    const agentLoop = async (i: number): Promise<void> => {
      const name = `pg-agent-${i}`
      const headers = own[i] ?? agent
      while (!stopLoad) {
        await guard(async () => {
          await record(await fetch(`${url}${ROUTES.agentHeartbeat(name)}`, {
            method: 'POST', headers, body: JSON.stringify({ status: 'online', currentRunId: null }),
          }), 200)
          await record(await fetch(`${url}${ROUTES.agentTargets(name)}`, { headers }), 200)
          await sleep(20)
        })
      }
    }
    const load = [
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: AGENTS }, (_, i) => agentLoop(i)),
    ]

    const outageAnswers: Array<{ readyz: number, readyCode: unknown, api: number, apiCode: unknown }> = []
    const recoveryMs: number[] = []
    try {
      for (let r = 0; r < RESTARTS; r++) {
        await sleep(700)
        await pg.stop(r % 2 === 0 ? 'fast' : 'immediate')
        await sleep(OUTAGE_MS / 2)
        const ready = await fetch(`${url}/readyz`)
        const api = await fetch(`${url}${ROUTES.dashboardRuns}`)
        outageAnswers.push({
          readyz: ready.status, readyCode: (await ready.json() as { code?: unknown }).code,
          api: api.status, apiCode: (await api.json() as { code?: unknown }).code,
        })
        await sleep(OUTAGE_MS / 2)
        await pg.start()
        const back = Date.now()
        while ((await fetch(`${url}/readyz`)).status !== 200) {
          expect(Date.now() - back, 'the control plane did not recover by itself').toBeLessThan(30_000)
          await sleep(100)
        }
        recoveryMs.push(Date.now() - back)
      }
      await sleep(1000) // load keeps flowing after the last restart
    } finally {
      stopLoad = true
      await Promise.all(load)
    }
    console.log(`pg-restart: ${RESTARTS} restarts (fast and immediate), statuses ${JSON.stringify([...statuses])}, ` +
      `${acknowledged.length} acknowledged writes, recovery after start ${JSON.stringify(recoveryMs)} ms`)

    expect(child.exitCode, output.slice(-3000)).toBeNull()
    expect(child.signalCode).toBeNull()
    expect(/Emitted 'error' event|Unhandled|uncaught/i.test(output), 'a crash trace in the server output').toBe(false)
    expect(unexpected, unexpected.slice(0, 5).join('\n')).toEqual([])
    expect(outageAnswers).toEqual(Array.from({ length: RESTARTS }, () => ({
      readyz: 503, readyCode: 'LF_DATABASE_UNAVAILABLE', api: 503, apiCode: 'LF_DATABASE_UNAVAILABLE',
    })))
    expect(statuses.get(503) ?? 0, 'requests under load met the outages').toBeGreaterThan(0)
    expect(acknowledged.length).toBeGreaterThan(50)

    const stored = await fetch(`${url}${ROUTES.adminTargets}`, { headers: admin })
    expect(stored.status).toBe(200)
    const ids = new Set((await stored.json() as { data: Array<{ id: string }> }).data.map((t) => t.id))
    const lost = acknowledged.filter((id) => !ids.has(id))
    expect(lost).toEqual([])
  }, 180_000)
})
