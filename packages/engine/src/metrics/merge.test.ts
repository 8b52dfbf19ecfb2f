import { beforeAll, describe, expect, it } from 'vitest'
import * as hdr from 'hdr-histogram-js'
import { Trend, initHistograms } from './trend.js'
import { mergeHistograms, percentilesOfEncoded } from './merge.js'

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]

function pseudoRandomUs (seed: number, n: number): number[] {
  let x = seed
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31
    out.push(1 + (x % 2_000_000)) // 1 µs … 2 s
  }
  return out
}

describe('mergeHistograms', () => {
  beforeAll(async () => {
    await initHistograms()
  })

  it('equals one histogram that recorded every sample', () => {
    const a = pseudoRandomUs(1, 5_000)
    const b = pseudoRandomUs(2, 7_000)
    const [ta, tb, all] = [new Trend(), new Trend(), new Trend()]
    for (const v of a) ta.record(v)
    for (const v of b) tb.record(v)
    for (const v of [...a, ...b]) all.record(v)
    const merged = mergeHistograms([ta.encode(), tb.encode()])
    const expected = all.encode()
    expect(percentilesOfEncoded(merged, PERCENTILES)).toEqual(percentilesOfEncoded(expected, PERCENTILES))
    const m = hdr.decodeFromCompressedBase64(merged, 32, false)
    const e = hdr.decodeFromCompressedBase64(expected, 32, false)
    expect(m.totalCount).toBe(12_000)
    expect(m.totalCount).toBe(e.totalCount)
    expect(m.maxValue).toBe(e.maxValue)
    expect(m.mean).toBe(e.mean)
    expect(merged).toBe(expected)
    for (const h of [m, e]) h.destroy()
    for (const t of [ta, tb, all]) t.destroy()
  })

  it('throws on text that is not an encoded histogram', () => {
    expect(() => mergeHistograms(['not a histogram'])).toThrow()
  })
})

describe('Trend', () => {
  it('reports exact avg/min/max and HdrHistogram percentiles in ms', () => {
    const t = new Trend()
    for (let v = 1; v <= 1000; v++) t.record(v * 1000) // 1 ms … 1000 ms
    const s = t.statsMs(['avg', 'min', 'med', 'max', 'p(90)', 'p(99)', 'count', 'bogus'])
    expect(s.avg).toBe(500.5)
    expect(s.min).toBe(1)
    expect(s.max).toBe(1000)
    expect(s.count).toBe(1000)
    expect(s.bogus).toBeUndefined()
    // HdrHistogram: the highest value equivalent to the sample at or below which p % of samples lie (≤ 0.1 % above).
    expect(s.med).toBeGreaterThanOrEqual(500)
    expect(s.med).toBeLessThanOrEqual(500 * 1.001)
    expect(s['p(90)']).toBeGreaterThanOrEqual(900)
    expect(s['p(90)']).toBeLessThanOrEqual(900 * 1.001)
    expect(s['p(99)']).toBeGreaterThanOrEqual(990)
    t.destroy()
  })

  it('never throws on odd values and reports zeros when empty', () => {
    const t = new Trend()
    expect(t.statsMs(['avg', 'p(95)'])).toEqual({ avg: 0, 'p(95)': 0 })
    for (const v of [-5, 0, Number.NaN, 0.3, 1e12]) t.record(v)
    expect(t.count).toBe(5)
    expect(t.statsMs(['max']).max).toBe(600_000) // clamped to the 10 min range
    t.destroy()
  })
})
