import { describe, expect, it } from 'vitest'
import { arrivalSchedule } from './constant-arrival-rate.js'

describe('arrivalSchedule (ramping-arrival-rate)', () => {
  it('starts iteration i when the integral of the linearly ramped rate reaches i', () => {
    // 0 → 10/s over 1 s (5 iterations), then 10/s for 1 s (10 more).
    const s = arrivalSchedule(0, 1000, [{ durationMs: 1000, target: 10 }, { durationMs: 1000, target: 10 }])
    expect(s.total).toBe(15)
    expect(s.offsetMs(0)).toBe(0)
    expect(s.offsetMs(1)).toBeCloseTo(Math.sqrt(200_000), 6)
    expect(s.offsetMs(5)).toBeCloseTo(1000, 6)
    expect(s.offsetMs(14)).toBeCloseTo(1900, 6)
  })

  it('keeps a constant rate constant and ramps down to zero', () => {
    const flat = arrivalSchedule(4, 1000, [{ durationMs: 1000, target: 4 }])
    expect(flat.total).toBe(4)
    expect([0, 1, 2, 3].map((i) => flat.offsetMs(i))).toEqual([0, 250, 500, 750])
    const down = arrivalSchedule(10, 1000, [{ durationMs: 1000, target: 0 }])
    expect(down.total).toBe(5)
    for (let i = 1; i < 5; i++) expect(down.offsetMs(i)).toBeGreaterThan(down.offsetMs(i - 1))
  })
})
