import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { CLI_BIN, alive, buildRepo, waitFor } from './helpers/repo.js'

let cwd: string
let up: ChildProcess | undefined
let output = ''

beforeAll(async () => {
  buildRepo()
  cwd = await mkdtemp(join(tmpdir(), 'lf-e2e-up-'))
}, 300_000)

afterAll(async () => {
  if (up !== undefined && up.exitCode === null) up.kill('SIGKILL')
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true })
})

describe('loadfleet up', () => {
  it('starts the control plane with one agent, prints the URL and credentials, and stops everything on Ctrl-C', async () => {
    up = spawn(process.execPath, [CLI_BIN, 'up'], {
      cwd, env: { PATH: process.env.PATH ?? '', PORT: '0', HEARTBEAT_INTERVAL_MS: '500' }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    up.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    up.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    const url = await waitFor('the banner', () => /Dashboard:\s+(http:\/\/\S+)\/agents\/k6/.exec(output)?.[1], 30_000)
    const adminAuth = /Admin login: (\S+)/.exec(output)?.[1]
    expect(adminAuth).toMatch(/^[^:]+:.+$/)
    const client = new ApiClient({ baseUrl: url, adminAuth: adminAuth ?? '' })
    expect((await client.getConfig()).k6DesiredAgentCount).toBe(1)
    const agents = await waitFor('k6agent-0 to register', async () => {
      const { data } = await client.dashboardAgents()
      return data.some((a) => a.name === 'k6agent-0' && a.status !== 'offline') ? data : undefined
    }, 20_000)
    expect(agents.map((a) => a.name)).toEqual(['k6agent-0'])
    const agentLog = readFileSync(join(cwd, 'data', 'agents', 'k6agent-0', 'agent.log'), 'utf8')
    const pid = Number(/"event":"agent_starting","agent":"k6agent-0","pid":(\d+)/.exec(agentLog)?.[1])
    expect(alive(pid)).toBe(true)

    const exited = once(up, 'exit')
    up.kill('SIGINT')
    const timeout = new Promise((resolve) => setTimeout(() => resolve([null]), 20_000))
    const [code] = await Promise.race([exited, timeout]) as [number | null]
    expect(code).toBe(0)
    expect(output).toContain('Stopping agents and control plane')
    expect(alive(pid)).toBe(false)
  })
})
