import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { createInjectApp } from './helpers/inject-app.js'

const CLI = fileURLToPath(new URL('../../cli/bin/loadfleet.js', import.meta.url))
const CLI_BUILT = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url))

describe('unexpected failures', () => {
  it('answers 500 LF_INTERNAL without internals when the database is gone, and readiness says 503', async () => {
    const t = await createInjectApp()
    await t.store.close()
    const res = await t.app.inject({ method: 'GET', url: ROUTES.dashboardRuns })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 'LF_INTERNAL', message: 'Internal error; the server log has the details', details: {} })
    expect(res.body).not.toMatch(/at .*\.js|kysely|destroy/i)
    const ready = await t.app.inject({ method: 'GET', url: ROUTES.readyz })
    expect(ready.statusCode).toBe(503)
    await t.app.close()
  })
})

describe('`loadfleet server` process', () => {
  it('logs no secret even at trace level, and drains and exits 0 on SIGTERM', async () => {
    expect(existsSync(CLI_BUILT), 'run `npm run build` first: this test starts the built CLI').toBe(true)
    const dataDir = mkdtempSync(join(tmpdir(), 'lf-cli-'))
    const admin = 'root:Sup3r-Secret-Admin-Password'
    const token = 'Agent-Token-That-Must-Not-Leak'
    const child = spawn(process.execPath, [CLI, 'server'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ADMIN_BASIC_AUTH: admin, DASHBOARD_SECRET: token, LOG_LEVEL: 'trace' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    try {
      const deadline = Date.now() + 30_000
      while (!/listening on (http:\S+)/.test(output) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const url = /listening on (http:\S+)/.exec(output)?.[1]
      expect(url).toBeDefined()
      const auth = { authorization: `Basic ${Buffer.from(admin).toString('base64')}`, 'content-type': 'application/json' }
      expect((await fetch(`${url}${ROUTES.adminTargets}`, { method: 'POST', headers: auth, body: '{"url":"https://e.com"}' })).status).toBe(201)
      expect((await fetch(`${url}${ROUTES.adminTargets}`, { method: 'POST', headers: auth, body: '{"url":' })).status).toBe(400)
      const wrongToken = { authorization: `Bearer ${token}x` }
      expect((await fetch(`${url}${ROUTES.agentRegister}`, { method: 'POST', headers: wrongToken })).status).toBe(401)
      expect((await fetch(`${url}${ROUTES.agentRegister}`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"a1"}',
      })).status).toBe(200)
      child.kill('SIGTERM')
      const [code] = await once(child, 'exit') as [number | null]
      expect(code).toBe(0)
      expect(output).not.toContain(token)
      expect(output).not.toContain('Sup3r-Secret')
      expect(output).not.toContain(Buffer.from(admin).toString('base64'))
      expect(output).not.toMatch(/Generated credentials/) // both were configured: nothing generated, nothing printed
    } finally {
      child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses a bad setting with one line and a non-zero exit', async () => {
    const child = spawn(process.execPath, [CLI, 'server'], {
      env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(child, 'exit') as [number | null]
    expect(code).not.toBe(0)
    expect(stderr.trim().split('\n')).toEqual(['loadfleet server: PORT: expected a port number 0-65535, got "eighty"'])
  })
})
