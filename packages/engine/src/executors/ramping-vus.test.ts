import { describe, expect, it } from 'vitest'
import { rampSchedule } from './ramping-vus.js'

describe('rampSchedule', () => {
  it('moves one VU at a time and ends each stage on its target', () => {
    const stages = [{ durationMs: 1000, target: 4 }, { durationMs: 500, target: 4 }, { durationMs: 200, target: 2 }]
    expect(rampSchedule(0, stages))
      .toEqual([
        { atMs: 250, target: 1 }, { atMs: 500, target: 2 }, { atMs: 750, target: 3 }, { atMs: 1000, target: 4 },
        { atMs: 1600, target: 3 }, { atMs: 1700, target: 2 },
      ])
  })

  it('jumps at once on a zero-length stage', () => {
    expect(rampSchedule(1, [{ durationMs: 0, target: 3 }])).toEqual([{ atMs: 0, target: 2 }, { atMs: 0, target: 3 }])
  })
})
