import { describe, expect, it } from 'vitest'
import { backoffDelayMs, MAX_BACKOFF_MS } from './backoff.js'

describe('backoffDelayMs', () => {
  it('grows exponentially with full jitter and never exceeds 30 s', () => {
    expect(backoffDelayMs(0, () => 0.999)).toBeLessThan(500)
    expect(backoffDelayMs(3, () => 0.999)).toBeGreaterThan(3900)
    expect(backoffDelayMs(3, () => 0.999)).toBeLessThan(4000)
    for (const attempt of [10, 20, 100, 10_000]) {
      expect(backoffDelayMs(attempt, () => 0.999999)).toBeLessThanOrEqual(MAX_BACKOFF_MS)
    }
    expect(backoffDelayMs(50, () => 0)).toBe(0) // full jitter: anywhere from 0 up to the ceiling
  })
})
