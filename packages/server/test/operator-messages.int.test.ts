import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type ConfigSaved } from '@loadfleet/api'
import { prettyLogLine, startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

const TOKEN = 'agent-token-0123456789'
const ADMIN = 'admin:correct-horse-battery'

describe('FLEET_SCALER=none: a desired count that moves nothing says so', () => {
  let db: TestDatabase
  let server: RunningServer
  const lines: string[] = []

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    server = await startServer({
      ...serverOptionsFor(db), adminBasicAuth: ADMIN, dashboardSecret: TOKEN, logLevel: 'info', logFormat: 'json',
      logDestination: { write: (line) => { lines.push(line) } },
    })
  })

  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('in the PUT /api/admin/config answer, the log and the fleet status the fleet page shows', async () => {
    const admin = new ApiClient({ baseUrl: server.url, adminAuth: ADMIN })
    const saved: ConfigSaved = await admin.putConfig({ k6DesiredAgentCount: 3 })
    expect(saved.k6DesiredAgentCount).toBe(3)
    expect(saved.note).toMatch(/^No fleet scaler is configured \(FLEET_SCALER=none\).*no agent is started/)
    expect(saved.note).toContain('loadfleet agent')
    const warning = lines.map((l) => JSON.parse(l) as { level: number, msg: string, desired?: number })
      .find((l) => l.msg === saved.note)
    expect(warning).toMatchObject({ level: 40, desired: 3 })
    const fleet = await admin.fleetStatus()
    expect(fleet).toMatchObject({ scaler: 'none', desired: 3, note: saved.note })
  })
})

describe('log lines', () => {
  it('LOG_FORMAT=pretty: time, level, message and fields on one readable line', () => {
    const time = Date.UTC(2026, 0, 2, 3, 4, 5)
    const line = prettyLogLine(JSON.stringify({
      level: 40, time, pid: 1, hostname: 'h', msg: 'fleet reconcile failed', desired: 3, err: 'docker: not found',
    }))
    expect(line).toBe(`${new Date(time).toTimeString().slice(0, 8)} WARN  fleet reconcile failed desired=3 err="docker: not found"\n`)
    expect(prettyLogLine('not json')).toBe('not json\n')
  })

  it('a server started with LOG_FORMAT=pretty writes readable lines, and JSON when asked', async () => {
    for (const format of ['pretty', 'json'] as const) {
      const db = await createTestDatabase('sqlite')
      const lines: string[] = []
      const server = await startServer({
        ...serverOptionsFor(db), env: { LOG_FORMAT: format }, logLevel: 'info',
        logDestination: { write: (line) => { lines.push(line) } },
      })
      await server.close()
      await db.drop()
      expect(lines.length).toBeGreaterThan(0)
      for (const line of lines) {
        if (format === 'json') expect(() => { JSON.parse(line) }).not.toThrow()
        else expect(line).toMatch(/^\d\d:\d\d:\d\d (INFO |WARN |ERROR) \S/)
      }
    }
  })
})
