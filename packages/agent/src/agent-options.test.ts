import { describe, expect, it } from 'vitest'
import { agentOptionsFromEnv } from './agent-options.js'

describe('agentOptionsFromEnv', () => {
  it('applies the guide\'s defaults', () => {
    const { options, errors } = agentOptionsFromEnv({ DASHBOARD_SECRET: 's3cret', AGENT_NAME: 'k6agent-0' })
    expect(errors).toEqual([])
    expect(options).toMatchObject({
      dashboardUrl: 'http://localhost:3000', agentName: 'k6agent-0', pollIntervalMs: 5000, heartbeatIntervalMs: 30_000,
      tmpDir: '/tmp', defaultVus: 1, defaultDurationMs: 30_000, maxConcurrentRuns: 1, maxVus: 1000, maxDurationMs: 900_000,
    })
    expect(options?.k6Binary).toBeUndefined()
    expect(options?.parentPid).toBeUndefined()
  })

  it('reads the optional settings', () => {
    const { options } = agentOptionsFromEnv({
      DASHBOARD_SECRET: 's', AGENT_NAME: 'a', K6_BINARY: '/usr/bin/k6', K6_DURATION: '1m30s', LOADFLEET_PARENT_PID: '42',
      MAX_CONCURRENT_RUNS: '3',
    })
    expect(options).toMatchObject({ k6Binary: '/usr/bin/k6', defaultDurationMs: 90_000, parentPid: 42, maxConcurrentRuns: 3 })
  })

  it.each([
    [{ POLL_INTERVAL_MS: 'fast' }, 'POLL_INTERVAL_MS'],
    [{ K6_VUS: '0' }, 'K6_VUS'],
    [{ K6_DURATION: 'soon' }, 'K6_DURATION'],
    [{ DASHBOARD_URL: 'ftp://x' }, 'DASHBOARD_URL'],
    [{ AGENT_NAME: 'bad name!' }, 'AGENT_NAME'],
    [{ DASHBOARD_SECRET: '' }, 'DASHBOARD_SECRET'],
    [{ MAX_CONCURRENT_RUNS: '1.5' }, 'MAX_CONCURRENT_RUNS'],
    [{ AGENT_MAX_VUS: '0' }, 'AGENT_MAX_VUS'],
    [{ AGENT_MAX_DURATION: 'forever' }, 'AGENT_MAX_DURATION'],
  ])('refuses %j naming %s', (env, name) => {
    const { options, errors } = agentOptionsFromEnv({ DASHBOARD_SECRET: 's', AGENT_NAME: 'a', ...env })
    expect(options).toBeUndefined()
    expect(errors.join('\n')).toContain(name)
    expect(errors.join('\n')).not.toContain('s3cret')
  })
})
