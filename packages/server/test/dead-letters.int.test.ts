import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'

function counter (text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1])
}

describe.each(['sqlite', 'postgres'] as const)('dead letters reported by agents on %s', (kind) => {
  let db: TestDatabase
  let server: RunningServer
  let api: ApiClient

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    server = await startServer(serverOptionsFor(db))
    api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const metric = async (): Promise<number> =>
    counter(await (await fetch(`${server.url}/api/metrics`)).text(), 'loadfleet_agent_results_dead_lettered_total')

  it('shows each agent\'s count in the agents API and adds only new ones to the /api/metrics counter', async () => {
    expect(await metric()).toBe(0)
    await api.registerAgent({ name: 'dl-agent' })
    await api.heartbeat('dl-agent', { status: 'online', deadLetters: 2 })
    await api.heartbeat('dl-agent', { status: 'online', deadLetters: 2 }) // the same count again adds nothing
    expect(await metric()).toBe(2)
    await api.heartbeat('dl-agent', { status: 'online', deadLetters: 3 })
    expect(await metric()).toBe(3)
    const listed = (await api.dashboardAgents()).data.find((a) => a.name === 'dl-agent')
    expect(listed?.deadLetters).toBe(3)
    // A restarted agent registers again and counts from zero.
    await api.registerAgent({ name: 'dl-agent' })
    expect((await api.dashboardAgents()).data.find((a) => a.name === 'dl-agent')?.deadLetters).toBe(0)
    await api.heartbeat('dl-agent', { status: 'online', deadLetters: 1 })
    expect(await metric()).toBe(4)
    await expect(api.heartbeat('dl-agent', { status: 'online', deadLetters: -1 })).rejects.toMatchObject({ status: 400 })
  })
})
