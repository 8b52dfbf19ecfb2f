import { execFileSync, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, type TestDatabase } from './helpers/databases.js'

function promtoolAvailable (): boolean {
  return spawnSync('promtool', ['--version']).status === 0
}

describe('GET /api/metrics', () => {
  let db: TestDatabase
  let server: RunningServer

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    server = await startServer({ env: {}, port: 0, dataDir: db.dataDir, logLevel: 'silent' })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('passes `promtool check metrics` after real traffic, and counts it', async () => {
    const api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
    await api.createTarget({ url: 'https://example.com' })
    await api.registerAgent({ name: 'm1' })
    await fetch(`${server.url}/api/nope`)
    await fetch(`${server.url}/api/admin/config`)
    await server.reapNow()
    const res = await fetch(`${server.url}/api/metrics`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toMatch(/^reaper_k6agents_marked_offline_total 0$/m)
    expect(text).toMatch(/^reaper_k6agents_deleted_total 0$/m)
    expect(text).toMatch(/^reaper_k6runs_errored_total 0$/m)
    expect(text).toMatch(/^loadfleet_agents\{status="online"\} 1$/m)
    // The new site never ran: it is work waiting for an agent (what KEDA scales the fleet on).
    expect(text).toMatch(/^loadfleet_sites_due 1$/m)
    expect(text).toContain(
      'loadfleet_http_request_duration_seconds_count{method="POST",route="/api/admin/k6/targets",status_code="201"} 1')
    if (!promtoolAvailable()) {
      // Said plainly rather than skipped silently: CI installs Debian's prometheus package, which has promtool.
      console.log('promtool is not installed (apt-get install -y prometheus); the lint part of this test did not run')
      expect(process.env.CI).not.toBe('true')
      return
    }
    const output = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect(output.trim()).toBe('')
  })
})
