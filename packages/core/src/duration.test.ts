import { describe, expect, it } from 'vitest'
import { formatDurationMs, parseDurationMs } from './duration.js'

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000], ['1m30s', 90_000], ['250ms', 250], ['1.5s', 1500], ['2h', 7_200_000], ['100us', 0.1],
    ['1500', 1500], [2000, 2000], [' 10s ', 10_000],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms)
  })

  it.each(['', 's', '-1s', '10 s', 'ten seconds', '1x', '1s2'])(
    'rejects %j', (input) => {
      expect(parseDurationMs(input)).toBeUndefined()
    })

  it('rejects negative and non-finite numbers', () => {
    expect(parseDurationMs(-5)).toBeUndefined()
    expect(parseDurationMs(Number.NaN)).toBeUndefined()
  })
})

describe('formatDurationMs', () => {
  it.each([[0, '0s'], [250, '250ms'], [30_000, '30s'], [90_000, '1m30s'], [3_600_000, '1h'], [3_661_000, '1h1m1s']])(
    '%d ms → %s', (ms, text) => {
      expect(formatDurationMs(ms)).toBe(text)
    })
})
