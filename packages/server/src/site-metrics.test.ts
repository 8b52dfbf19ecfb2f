import { describe, expect, it } from 'vitest'
import type { SiteSnapshot } from './db/repos/site-metrics-repo.js'
import { sitesDue } from './site-metrics.js'

const NOW = 1_800_000_000_000
const site = (id: string, enabled: boolean, lastStartedAt: number | null): SiteSnapshot => ({
  id, name: id, enabled, runIntervalMs: 60_000, createdAt: 0, updatedAt: 0, lastStartedAt,
  lastFinished: null, recentStatuses: [],
})

describe('sitesDue', () => {
  it('counts enabled sites never run or started at least an interval ago, as the agents schedule them', () => {
    const sites = [
      site('never', true, null),
      site('elapsed', true, NOW - 60_000),
      site('recent', true, NOW - 59_999),
      site('paused', false, null),
    ]
    expect(sitesDue(sites, NOW)).toBe(2)
    expect(sitesDue(sites, NOW + 1)).toBe(3)
    expect(sitesDue([], NOW)).toBe(0)
  })
})
