import { describe, expect, it } from 'vitest'
import { TargetCreate, TargetPatch } from './schemas.js'

describe('TargetCreate', () => {
  it('fills the documented defaults', () => {
    expect(TargetCreate.parse({ url: 'https://example.com/' })).toEqual({
      url: 'https://example.com/', label: '', vus: 1, durationS: 30, runIntervalMs: 60_000, enabled: true,
      thresholds: {}, expectedStatuses: ['200-399'], labels: {}, headers: {}, secretHeaders: {}, script: null,
    })
  })

  it.each([
    [{ url: 'ftp://example.com/' }, 'url'],
    [{ url: 'javascript:alert(1)' }, 'url'],
    [{ url: `https://example.com/${'a'.repeat(2048)}` }, 'url'],
    [{ url: 'https://example.com/', vus: 0 }, 'vus'],
    [{ url: 'https://example.com/', vus: 10_001 }, 'vus'],
    [{ url: 'https://example.com/', vus: 1.5 }, 'vus'],
    [{ url: 'https://example.com/', durationS: 3601 }, 'durationS'],
    [{ url: 'https://example.com/', runIntervalMs: 999 }, 'runIntervalMs'],
    [{ url: 'https://example.com/', label: 'x'.repeat(201) }, 'label'],
    [{ url: 'https://example.com/', colour: 'red' }, ''],
  ])('rejects %j naming %s', (input, field) => {
    const result = TargetCreate.safeParse(input)
    expect(result.success).toBe(false)
    const paths = result.error?.issues.map((issue) => issue.path.join('.'))
    expect(paths).toContain(field)
  })

  it('keeps any Unicode label exactly', () => {
    const label = 'Café ☕ <img src=x onerror=alert(1)> 日本語'
    expect(TargetCreate.parse({ url: 'http://127.0.0.1/', label }).label).toBe(label)
  })
})

describe('TargetPatch', () => {
  it('refuses an empty patch', () => {
    expect(TargetPatch.safeParse({}).success).toBe(false)
  })
})
