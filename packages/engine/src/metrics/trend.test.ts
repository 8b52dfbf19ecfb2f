import { beforeAll, describe, expect, it } from 'vitest'
import { Trend, initHistograms } from './trend.js'

describe('Trend', () => {
  beforeAll(async () => {
    await initHistograms()
  })

  it('never reports a percentile outside the smallest and largest sample', () => {
    const trend = new Trend()
    // 100_003 µs falls in an HDR bucket whose highest equivalent value is above it.
    for (let i = 0; i < 10; i++) trend.record(100_003)
    expect(trend.percentileUs(99)).toBe(100_003)
    expect(trend.percentileUs(50)).toBe(100_003)
  })

  it('reports zero-valued samples as zero, not as the lowest bucket', () => {
    const trend = new Trend()
    trend.record(0)
    trend.record(0)
    expect(trend.percentileUs(50)).toBe(0)
    expect(trend.statsMs(['med', 'max'])).toEqual({ med: 0, max: 0 })
  })

  it('keeps percentiles within HdrHistogram precision (3 significant digits)', () => {
    const trend = new Trend()
    for (let us = 1; us <= 100_000; us++) trend.record(us)
    const p95 = trend.percentileUs(95)
    expect(Math.abs(p95 - 95_000) / 95_000).toBeLessThan(0.001)
  })
})
