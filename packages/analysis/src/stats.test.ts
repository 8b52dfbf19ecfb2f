import { describe, expect, it } from 'vitest'
import {
  binomialUpperTail, cliffsDelta, hodgesLehmann, mannWhitneyU, median, normalUpperTail, poissonUpperTail, quantile,
  rateIncreaseTest, robustSigma,
} from './stats.js'

// Reference values from scipy 1.17 (scipy.stats.mannwhitneyu / binom.sf / poisson.sf); sf(k) = P(X > k) = P(X ≥ k + 1).
describe('Mann-Whitney U', () => {
  it.each([
    { x: [4, 5, 6, 7], y: [1, 2, 3], u: 12, p: 0.02857142857142857 },
    { x: [1.1, 2.5, 3.7, 8.2, 9.9], y: [0.5, 1.0, 2.0, 3.0, 4.0, 5.0], u: 21, p: 0.16450216450216448 },
    {
      x: [19.2, 21.0, 20.5, 22.3, 25.1, 24.0, 23.3, 26.8, 21.9, 30.0, 28.4, 27.7],
      y: [18.0, 19.5, 20.1, 17.7, 21.2, 18.8, 19.9, 20.4, 17.1, 22.0, 18.3, 16.9, 19.0, 20.7],
      u: 155,
      p: 3.8518487838719365e-05,
    },
  ])('gives the exact one-sided p-value without ties (U = $u)', ({ x, y, u, p }) => {
    const r = mannWhitneyU(x, y)
    expect(r.exact).toBe(true)
    expect(r.u).toBe(u)
    expect(r.pValue).toBeCloseTo(p, 12)
  })

  it('uses the tie-corrected normal approximation with continuity correction when values tie', () => {
    const r = mannWhitneyU([3, 4, 4, 5, 6, 6, 7], [1, 2, 3, 3, 4, 5])
    expect(r.exact).toBe(false)
    expect(r.u).toBe(35.5)
    expect(r.pValue).toBeCloseTo(0.02127747765319565, 6)
  })

  it('is symmetric: the smallest possible U has p = 1', () => {
    expect(mannWhitneyU([1, 2], [3, 4, 5]).pValue).toBeCloseTo(1, 12)
    // Two runs above twenty: the floor of what two runs can show, 1 / C(22, 2).
    const twenty = Array.from({ length: 20 }, (_, i) => i)
    expect(mannWhitneyU([100, 101], twenty).pValue).toBeCloseTo(1 / 231, 12)
  })

  it('falls back to the normal approximation for large samples, agreeing with the exact tail', () => {
    const x = Array.from({ length: 60 }, (_, i) => i * 1.01 + 3)
    const y = Array.from({ length: 60 }, (_, i) => i * 0.99)
    const r = mannWhitneyU(x, y)
    expect(r.exact).toBe(false)
    expect(r.pValue).toBeGreaterThan(0)
    expect(r.pValue).toBeLessThan(0.5)
  })
})

describe('exact count tails', () => {
  it.each([
    { k: 8, n: 9, p: 0.2, want: 1.894400000000001e-05 },
    { k: 8, n: 1800, p: 0.001, want: 0.0005563203755181365 },
    { k: 5, n: 21, p: 1800 / 13800, want: 0.12899393936474657 },
    { k: 300, n: 24000, p: 0.01, want: 9.697347828217714e-05 },
  ])('binomial P(X ≥ $k | n = $n, p = $p)', ({ k, n, p, want }) => {
    expect(binomialUpperTail(k, n, p) / want).toBeCloseTo(1, 8)
  })

  it.each([
    { k: 8, lambda: 1.8, want: 0.0005615271924168024 },
    { k: 1, lambda: 3, want: 0.950212931632136 },
    { k: 50, lambda: 40, want: 0.07033506665939494 },
  ])('Poisson P(X ≥ $k | λ = $lambda)', ({ k, lambda, want }) => {
    expect(poissonUpperTail(k, lambda) / want).toBeCloseTo(1, 8)
  })

  it('binomial edges: k ≤ 0 is certain, k > n impossible', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1)
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0)
  })

  it('conditional rate test: recent events vs. a baseline share of the trials', () => {
    // 5 of 1,800 recent vs 16 of 12,000 baseline: X ~ Binomial(21, 1800/13800).
    expect(rateIncreaseTest({ recent: 5, recentTrials: 1800, base: 16, baseTrials: 12000 }))
      .toBeCloseTo(binomialUpperTail(5, 21, 1800 / 13800), 12)
    expect(rateIncreaseTest({ recent: 0, recentTrials: 600, base: 3, baseTrials: 6000 })).toBe(1)
  })

  it('mid-p of the conditional rate test: P(X > x) + ½·P(X = x), by hand', () => {
    // 3 recent vs 1 baseline event over equal trials: X ~ Binomial(4, ½); P(X ≥ 3) = 5/16, P(X = 3) = 4/16,
    // P(X > 3) = 1/16, so the mid-p is 1/16 + 2/16 = 3/16.
    const input = { recent: 3, recentTrials: 600, base: 1, baseTrials: 600 }
    expect(rateIncreaseTest(input)).toBeCloseTo(5 / 16, 12)
    expect(rateIncreaseTest({ ...input, midP: true })).toBeCloseTo(3 / 16, 12)
    // No events since the split: X ~ Binomial(1, ½), P(X > 0) + ½·P(X = 0) = ½ + ¼.
    expect(rateIncreaseTest({ ...input, recent: 0, midP: true })).toBeCloseTo(0.75, 12)
  })
})

describe('descriptive statistics', () => {
  it('median, type-7 quantiles and the Hodges-Lehmann shift', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(quantile([1, 2, 3, 4, 5], 0.95)).toBeCloseTo(4.8, 12)
    expect(hodgesLehmann([11, 12, 13], [1, 2, 3])).toBe(10)
  })

  it("Cliff's delta spans −1..1", () => {
    expect(cliffsDelta([5, 6], [1, 2, 3])).toBe(1)
    expect(cliffsDelta([1, 2], [5, 6])).toBe(-1)
    expect(cliffsDelta([1, 2, 3], [1, 2, 3])).toBe(0)
  })

  it('robust sigma sees the second level of a bimodal series and ignores one wild outlier', () => {
    const bimodal = [1, 1, 1, 1, 1, 1, 10, 10, 10]
    expect(robustSigma(bimodal)).toBeGreaterThan(3)
    const normalish = [9.8, 10.1, 10, 9.9, 10.2, 10, 9.7, 10.3, 1000]
    expect(robustSigma(normalish)).toBeLessThan(0.5)
  })

  it('normal upper tail', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7)
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6)
    expect(normalUpperTail(-3)).toBeCloseTo(0.9986501, 6)
  })
})
