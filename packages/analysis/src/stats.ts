/**
 * The statistics behind regression detection: order statistics, a robust scale, the Mann-Whitney U test
 * (exact when there are no ties), the Hodges-Lehmann shift, Cliff's delta and exact binomial tails.
 * Pure functions over plain arrays; nothing here allocates per element more than once.
 */

/** Values sorted ascending (a copy). */
export function sorted (values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/** Linear-interpolated quantile (type 7, as R and numpy default) of ascending-sorted values; NaN when empty. */
export function quantileSorted (asc: readonly number[], q: number): number {
  if (asc.length === 0) return NaN
  const h = (asc.length - 1) * q
  const lo = Math.floor(h)
  const a = asc[lo] ?? NaN
  const b = asc[Math.min(lo + 1, asc.length - 1)] ?? NaN
  return a + (h - lo) * (b - a)
}

/** Median; NaN when empty. */
export function median (values: readonly number[]): number {
  return quantileSorted(sorted(values), 0.5)
}

/** Quantile `q` (0..1); NaN when empty. */
export function quantile (values: readonly number[], q: number): number {
  return quantileSorted(sorted(values), q)
}

/** Consistency factor making the MAD an estimate of the standard deviation of normal data. */
const MAD_TO_SIGMA = 1.4826
/** Makes the interquartile range an estimate of the standard deviation of normal data (1 / 1.349). */
const IQR_TO_SIGMA = 0.7413

/** Values further than this many (MAD-scaled) standard deviations from the median are outliers for `robustSigma`. */
const OUTLIER_SIGMAS = 3.5

/**
 * A robust standard deviation: the standard deviation of the values left after dropping outliers (beyond 3.5
 * MAD-scaled sigmas from the median), or the scaled interquartile range if that is larger. Dropping outliers keeps
 * one wild run from widening the band for many runs; the sample standard deviation of the rest is far less noisy
 * than the MAD itself (which is only 37 % efficient), so a baseline of 15–20 runs gives a usable scale. The IQR
 * term keeps a two-level (bimodal) series wide: once a quarter of the values sit on the second level, it counts.
 */
export function robustSigma (values: readonly number[]): number {
  const asc = sorted(values)
  const med = quantileSorted(asc, 0.5)
  const mad = MAD_TO_SIGMA * median(asc.map((v) => Math.abs(v - med)))
  const kept = mad > 0 ? asc.filter((v) => Math.abs(v - med) <= OUTLIER_SIGMAS * mad) : asc
  let sd = 0
  if (kept.length > 1) {
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length
    sd = Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / (kept.length - 1))
  }
  const iqr = quantileSorted(asc, 0.75) - quantileSorted(asc, 0.25)
  return Math.max(sd, IQR_TO_SIGMA * iqr)
}

/** Standard normal upper tail P(Z ≥ z) (Zelen & Severo via erfc, absolute error < 1e-7). */
export function normalUpperTail (z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

function erfc (x: number): number {
  // Numerical Recipes' erfcc: Chebyshev fit, fractional error < 1.2e-7 everywhere.
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

/** Result of a one-sided Mann-Whitney U test that `x` tends to be larger than `y`. */
export interface MannWhitneyResult {
  /** U of x: the number of (x, y) pairs with x > y, ties counting one half. */
  u: number
  /** Standardised U (normal approximation, tie-corrected); the statistic reported in explanations. */
  z: number
  /** One-sided p-value P(U ≥ u) under "no difference": exact when there are no ties, else the normal approximation. */
  pValue: number
  exact: boolean
}

/** Exact null distributions are cached per (n1, n2): they depend on the sample sizes only. */
const exactCache = new Map<string, Float64Array>()
/** Above this n1·n2 the normal approximation is used (it is then accurate to well under 1e-3 relative). */
const EXACT_MAX_CELLS = 2_500

/**
 * Upper-tail probabilities P(U ≥ u) for u = 0..n1·n2, from the generating function of U: the Gaussian binomial
 * coefficient [n1+n2 choose n1]_q = Π_{i=1..n1} (1 − q^{n2+i}) / (1 − q^i), built by polynomial multiply/divide.
 */
function exactUpperTails (n1: number, n2: number): Float64Array {
  const key = `${n1},${n2}`
  const hit = exactCache.get(key)
  if (hit !== undefined) return hit
  const deg = n1 * n2
  const c = new Float64Array(deg + 1)
  c[0] = 1
  for (let i = 1; i <= n1; i++) {
    // multiply by (1 − q^{n2+i}) …
    const a = n2 + i
    for (let k = deg; k >= a; k--) c[k] = (c[k] ?? 0) - (c[k - a] ?? 0)
    // … and divide by (1 − q^i): the quotient is a polynomial, so c[k] += c[k − i] ascending.
    for (let k = i; k <= deg; k++) c[k] = (c[k] ?? 0) + (c[k - i] ?? 0)
  }
  let total = 0
  for (let k = 0; k <= deg; k++) total += c[k] ?? 0
  const tails = new Float64Array(deg + 2)
  let acc = 0
  for (let k = deg; k >= 0; k--) {
    acc += c[k] ?? 0
    tails[k] = acc / total
  }
  exactCache.set(key, tails)
  return tails
}

/** One-sided Mann-Whitney U test: is `x` stochastically larger than `y`? Both must be non-empty. */
export function mannWhitneyU (x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length
  const n2 = y.length
  const all = [...x.map((v) => ({ v, g: 0 })), ...y.map((v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v)
  let rankSumX = 0
  let tieTerm = 0
  for (let i = 0; i < all.length;) {
    let j = i
    while (j + 1 < all.length && all[j + 1]?.v === all[i]?.v) j++
    const midRank = (i + j) / 2 + 1
    const t = j - i + 1
    if (t > 1) tieTerm += t * t * t - t
    for (let k = i; k <= j; k++) if (all[k]?.g === 0) rankSumX += midRank
    i = j + 1
  }
  const u = rankSumX - n1 * (n1 + 1) / 2
  const n = n1 + n2
  const mean = n1 * n2 / 2
  const variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
  const z = variance > 0 ? (u - mean) / Math.sqrt(variance) : 0
  if (tieTerm === 0 && n1 * n2 <= EXACT_MAX_CELLS) {
    return { u, z, pValue: exactUpperTails(n1, n2)[Math.ceil(u)] ?? 0, exact: true }
  }
  // Continuity correction of ½ towards the mean, as scipy's `use_continuity=True`.
  const zc = variance > 0 ? (u - mean - 0.5) / Math.sqrt(variance) : 0
  return { u, z, pValue: variance > 0 ? normalUpperTail(zc) : 1, exact: false }
}

/** Hodges-Lehmann estimate of the shift of `x` over `y`: the median of all pairwise differences x − y. */
export function hodgesLehmann (x: readonly number[], y: readonly number[]): number {
  const diffs: number[] = []
  for (const a of x) for (const b of y) diffs.push(a - b)
  return median(diffs)
}

/** Cliff's delta P(x > y) − P(x < y) over all pairs, in −1..1 (0.15 small, 0.33 medium, 0.47 large). */
export function cliffsDelta (x: readonly number[], y: readonly number[]): number {
  if (x.length === 0 || y.length === 0) return 0
  const ys = sorted(y)
  let sum = 0
  for (const a of x) sum += lowerCount(ys, a) - (ys.length - upperCount(ys, a))
  return sum / (x.length * ys.length)
}

/** Number of sorted values strictly below v. */
function lowerCount (asc: readonly number[], v: number): number {
  let lo = 0
  let hi = asc.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((asc[mid] ?? 0) < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Number of sorted values at or below v. */
function upperCount (asc: readonly number[], v: number): number {
  let lo = 0
  let hi = asc.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((asc[mid] ?? 0) <= v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma (x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let a = LANCZOS[0] ?? 0
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] ?? 0) / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]

/**
 * Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes `betai`), relative
 * error ~1e-12: gives exact binomial tails in O(1) however many requests a run made.
 */
export function incompleteBeta (x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x)
  if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaFraction(x, a, b) / a
  return 1 - Math.exp(lnFront) * betaFraction(1 - x, b, a) / b
}

function betaFraction (x: number, a: number, b: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - (a + b) * x / (a + 1)
  d = 1 / (Math.abs(d) < tiny ? tiny : d)
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    d = 1 / (Math.abs(d) < tiny ? tiny : d)
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    h *= d * c
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    d = 1 / (Math.abs(d) < tiny ? tiny : d)
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-14) break
  }
  return h
}

/** Student's t upper tail P(T ≥ t) with `df` degrees of freedom. */
export function studentUpperTail (t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? tail : 1 - tail
}

/** Exact binomial upper tail P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail (k: number, n: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  if (p <= 0) return 0
  if (p >= 1) return 1
  return incompleteBeta(p, k, n - k + 1)
}

/** Exact Poisson upper tail P(X ≥ k) for X ~ Poisson(λ), via the regularised lower incomplete gamma P(k, λ). */
export function poissonUpperTail (k: number, lambda: number): number {
  if (k <= 0) return 1
  if (lambda <= 0) return 0
  return lowerIncompleteGamma(k, lambda)
}

/** Regularised lower incomplete gamma P(a, x) (series below a + 1, continued fraction above). */
function lowerIncompleteGamma (a: number, x: number): number {
  const lnFront = a * Math.log(x) - x - logGamma(a)
  if (x < a + 1) {
    let sum = 1 / a
    let term = sum
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break
    }
    return Math.exp(lnFront) * sum
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) break
  }
  return 1 - Math.exp(lnFront) * h
}

/**
 * Exact conditional test that a Poisson/binomial rate rose: `recent` events in `recentTrials` against `base`
 * events in `baseTrials`. Given the total k = recent + base, recent ~ Binomial(k, share of trials) when the rates
 * are equal (Przyborowski & Wilenski), so the baseline's own uncertainty is accounted for. Returns P(X ≥ recent),
 * or with `midP` Lancaster's mid-p P(X > recent) + ½·P(X = recent): with a handful of events the exact tail is
 * far more conservative than its nominal level (the observed count's own probability is counted in full), and the
 * mid-p, whose false-positive rate is close to nominal, gives that power back.
 */
export function rateIncreaseTest (input: {
  recent: number
  recentTrials: number
  base: number
  baseTrials: number
  midP?: boolean
}): number {
  const { recent, recentTrials, base, baseTrials } = input
  if (recentTrials <= 0 || baseTrials <= 0) return 1
  const share = recentTrials / (recentTrials + baseTrials)
  const atLeast = binomialUpperTail(recent, recent + base, share)
  if (input.midP !== true) return atLeast
  return 0.5 * (atLeast + binomialUpperTail(recent + 1, recent + base, share))
}
