import { describe, expect, it } from 'vitest'
import { formatBytes, formatPercent, formatPerSecond, formatTimeMs } from './format-values.js'

describe('k6 value formats (expected strings copied from k6 v1.3.0 output)', () => {
  it.each([
    [0.7840571906823762, '784.05µs'],
    [0.041118, '41.11µs'],
    [19.818797, '19.81ms'],
    [1.5908930999999997, '1.59ms'],
    [5.002307, '5ms'],
    [0.8226077500000001, '822.6µs'],
    [0.000913, '913ns'],
    [0, '0s'],
    [1500, '1.5s'],
    [90_250, '1m30.25s'],
    [3_723_000, '1h2m3s'],
  ])('time %s ms → %s', (ms, text) => {
    expect(formatTimeMs(ms)).toBe(text)
  })

  it.each([
    [42036480, '42 MB'],
    [14010081.842530053, '14 MB'],
    [3028670, '3.0 MB'],
    [1009406.9383072867, '1.0 MB'],
    [8720, '8.7 kB'],
    [347074.8989223961, '347 kB'],
    [1420, '1.4 kB'],
    [5, '5 B'],
    [999, '999 B'],
  ])('bytes %s → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })

  it('formats rates and shares', () => {
    expect(formatPerSecond(12161.529377196226)).toBe('12161.529377/s')
    expect(formatPercent(0)).toBe('0.00%')
    expect(formatPercent(0.5)).toBe('50.00%')
  })
})
