// Labelled synthetic series of runs (RunSample, as @loadfleet/analysis takes them), seeded so every run of the
// benchmark scores the same series. A run is a 10-VU, 1-minute run of ~600 requests.
import * as hdr from 'hdr-histogram-js'

/** Deterministic PRNG (mulberry32). */
export function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function gaussian (rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

/** Binomial(n, p) by inversion (p is small here, so the loop is short). */
export function binomial (rand, n, p) {
  if (p <= 0) return 0
  if (p >= 1) return n
  if (n * p > 50) return Math.max(0, Math.min(n, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gaussian(rand))))
  const u = rand()
  let k = 0
  let pmf = (1 - p) ** n
  let cdf = pmf
  while (u > cdf && k < n) {
    pmf *= (n - k) / (k + 1) * p / (1 - p)
    k++
    cdf += pmf
  }
  return k
}

const T0 = Date.UTC(2026, 0, 1)
/** Runs every 5 minutes. */
const INTERVAL_MS = 5 * 60_000
const REQUESTS = 600

/**
 * One run. `level` multiplies the latency percentiles (`tail` only p95/p99), `cv` is the run-to-run coefficient of
 * variation; percentiles of one run are correlated (a slow run is slow everywhere), as on real machines.
 */
export function makeRun (rand, i, shape) {
  const { cv = 0.1, p50 = 40, p95 = 100, p99 = 150, tail = 1, level = 1, fivexx = 0.001, fourxx = 0.002,
    timeouts = 0.0005, rpsLevel = 1, histogram = null } = shape
  const shared = gaussian(rand)
  const noise = () => Math.exp(cv * (0.7 * shared + 0.714 * gaussian(rand)))
  const requests = REQUESTS + Math.round(10 * gaussian(rand))
  const n5 = binomial(rand, requests, fivexx)
  const n4 = binomial(rand, requests, fourxx)
  const nT = binomial(rand, requests, timeouts)
  const statusCounts = { 200: requests - n5 - n4 - nT }
  if (n4 > 0) statusCounts[404] = n4
  if (n5 > 0) statusCounts[503] = n5
  return {
    runId: `r${i}`,
    at: T0 + i * INTERVAL_MS,
    p50Ms: p50 * level * noise(),
    p95Ms: p95 * level * tail * noise(),
    p99Ms: p99 * level * tail * noise(),
    latencyHistogram: histogram,
    requests,
    failedRequests: n5 + n4 + nT,
    statusCounts,
    errorKinds: nT > 0 ? { timeout: nT } : {},
    rps: 10 * rpsLevel * Math.exp(0.03 * gaussian(rand)),
  }
}

/** A series: `shapeAt(i)` gives run i's shape. */
export function makeSeries (seed, length, shapeAt) {
  const rand = prng(seed)
  return Array.from({ length }, (_, i) => makeRun(rand, i, shapeAt(i, rand)))
}

/** A histogram of ~600 requests from a two-mode latency distribution (ms): `slowShare` of them in the slow mode. */
export function bimodalHistogram (rand, { fastMs, slowMs, slowShare, spread = 0.25 }) {
  const h = hdr.build({
    lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3,
  })
  const values = []
  for (let i = 0; i < REQUESTS; i++) {
    const ms = (rand() < slowShare ? slowMs : fastMs) * Math.exp(spread * gaussian(rand))
    values.push(ms)
    h.recordValue(Math.max(1, Math.round(ms * 1000)))
  }
  const encoded = hdr.encodeIntoCompressedBase64(h)
  const at = (q) => h.getValueAtPercentile(q) / 1000
  const out = { encoded, p50: at(50), p95: at(95), p99: at(99) }
  h.destroy()
  return out
}
