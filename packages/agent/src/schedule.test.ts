import { describe, expect, it } from 'vitest'
import type { AgentTarget } from '@loadfleet/api'
import { dueTargets } from './schedule.js'

const NOW = Date.parse('2026-01-01T12:00:00Z')

function target (id: string, over: Partial<AgentTarget> = {}): AgentTarget {
  return {
    id, url: 'http://127.0.0.1/', label: '', vus: 1, durationS: 1, runIntervalMs: 60_000, enabled: true,
    thresholds: {}, expectedStatuses: ['200-399'],
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', lastStartedAt: null, ...over,
  }
}

describe('dueTargets', () => {
  it('orders due targets oldest due first and skips disabled, busy and not-yet-due ones', () => {
    const targets = [
      target('recent', { lastStartedAt: new Date(NOW - 10_000).toISOString() }),
      target('old', { lastStartedAt: new Date(NOW - 600_000).toISOString() }),
      target('older', { lastStartedAt: new Date(NOW - 900_000).toISOString() }),
      target('never'),
      target('off', { enabled: false }),
      target('running'),
    ]
    const due = dueTargets({ targets, localStartedAt: new Map(), busy: new Set(['running']), now: NOW })
    expect(due.map((d) => d.target.id)).toEqual(['never', 'older', 'old'])
  })

  it('respects the server\'s lastStartedAt so a restarted agent does not burst', () => {
    const targets = [target('a', { lastStartedAt: new Date(NOW - 30_000).toISOString() })]
    expect(dueTargets({ targets, localStartedAt: new Map(), busy: new Set(), now: NOW })).toEqual([])
    expect(dueTargets({ targets, localStartedAt: new Map(), busy: new Set(), now: NOW + 30_000 })).toHaveLength(1)
  })

  it('uses the later of its own memory and the server\'s record', () => {
    const targets = [target('a', { lastStartedAt: new Date(NOW - 600_000).toISOString() })]
    const localStartedAt = new Map([['a', NOW - 1000]])
    expect(dueTargets({ targets, localStartedAt, busy: new Set(), now: NOW })).toEqual([])
  })

  it('runs a site once after a run was asked for, even when disabled or not due, and not again', () => {
    const iso = (ms: number) => new Date(ms).toISOString()
    const targets = [
      target('asked-off', { enabled: false, runRequestedAt: iso(NOW - 1000), lastStartedAt: iso(NOW - 5000) }),
      target('asked-recent', { runRequestedAt: iso(NOW - 2000), lastStartedAt: iso(NOW - 3000) }),
      target('answered', { enabled: false, runRequestedAt: iso(NOW - 5000), lastStartedAt: iso(NOW - 1000) }),
      target('asked-busy', { runRequestedAt: iso(NOW - 1000) }),
    ]
    const due = dueTargets({ targets, localStartedAt: new Map(), busy: new Set(['asked-busy']), now: NOW })
    expect(due.map((d) => d.target.id)).toEqual(['asked-recent', 'asked-off'])
    const after = dueTargets({ targets, localStartedAt: new Map([['asked-off', NOW], ['asked-recent', NOW]]), busy: new Set(), now: NOW + 1 })
    expect(after.map((d) => d.target.id)).toEqual(['asked-busy'])
  })
})
