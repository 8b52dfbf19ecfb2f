// The labelled synthetic scenarios.
// Each returns { name, within, normal, series: [{ runs, changeAt, expect, spikes }] }.
import { bimodalHistogram, gaussian, makeSeries, prng } from './series.js'

const LATENCY = ['p50', 'p95', 'p99', 'latency_distribution']
/** Stable runs before a change: enough for a 20-run baseline after the warm-up. */
const BEFORE = 30
/** Runs after a change: the longest delay scored. */
const AFTER = 15

/** The normal levels a static threshold is set from (the series' stable medians). */
const NORMAL = { p95: 100, p99: 150, errorRate: 0.0035, fivexxRate: 0.001 }

export function stepScenario ({ factor, cv, trials, seed }) {
  const series = Array.from({ length: trials }, (_, t) => ({
    runs: makeSeries(seed + t, BEFORE + AFTER, (i) => ({ cv, tail: i >= BEFORE ? factor : 1 })),
    changeAt: BEFORE,
    expect: LATENCY,
  }))
  return { name: `p95 step ×${factor}, CV ${cv * 100} %`, within: factor >= 2 ? 3 : 5, normal: NORMAL, series }
}

/**
 * Long stable series, latency at CV `cv` and a 0.1 % background of 5xx (the site of the 5xx step scenario); with
 * `busy`, also 0.2 % 4xx and 0.05 % timeouts, so four failure counts are live at once.
 */
export function stableScenario ({ cv, trials, length, seed, busy = false }) {
  const noise = busy ? {} : { fourxx: 0, timeouts: 0 }
  const series = Array.from({ length: trials }, (_, t) => ({
    runs: makeSeries(seed + t, length, () => ({ cv, ...noise })),
    changeAt: null,
  }))
  const normal = busy ? NORMAL : { ...NORMAL, errorRate: 0.001 }
  const name = busy ? `stable, CV ${cv * 100} %, 0.1 % 5xx + 0.2 % 4xx + 0.05 % timeouts` : `stable, CV ${cv * 100} %, 0.1 % 5xx`
  return { name, within: null, normal, series }
}

/** Stable CV 10 % series with a single-run spike every ~20 runs: latency ×3–×8, or a burst of 5 % timeouts. */
export function spikeScenario ({ trials, seed }) {
  const length = 110
  const series = Array.from({ length: trials }, (_, t) => {
    const rand = prng(seed * 7 + t)
    const spikes = []
    for (let i = 20 + Math.floor(rand() * 5); i < length - 5; i += 18 + Math.floor(rand() * 6)) spikes.push(i)
    const kind = new Map(spikes.map((i) => [i, rand() < 0.7 ? { level: 3 + 5 * rand() } : { timeouts: 0.05 }]))
    const moved = (i) => (kind.get(i)?.timeouts === undefined ? [...LATENCY, 'throughput'] : ['error_rate', 'error_timeout'])
    const runs = makeSeries(seed + t, length, (i) => ({ cv: 0.1, ...(kind.get(i) ?? {}) }))
    return { runs, changeAt: null, spikes: spikes.map((at) => ({ at, metrics: moved(at) })) }
  })
  return { name: 'single-run spikes (latency ×3–×8 or 5 % timeouts), CV 10 %', within: null, normal: NORMAL, series }
}

/** Slow drift: +1 % a run on every latency percentile from run 30, for 40 runs (×1.49 at the end). */
export function driftScenario ({ trials, seed }) {
  const series = Array.from({ length: trials }, (_, t) => ({
    runs: makeSeries(seed + t, BEFORE + 40, (i) => ({ cv: 0.1, level: i >= BEFORE ? 1.01 ** (i - BEFORE + 1) : 1 })),
    changeAt: BEFORE,
    expect: LATENCY,
  }))
  return { name: 'slow drift +1 %/run, CV 10 %', within: null, normal: NORMAL, series }
}

/** Bimodal runs: 30 % of runs land on a slow level (p95/p99 ×5), at random, with no change at all. */
export function bimodalRunsScenario ({ trials, seed }) {
  const series = Array.from({ length: trials }, (_, t) => ({
    runs: makeSeries(seed + t, 100, (_i, rand) => ({ cv: 0.05, tail: rand() < 0.3 ? 5 : 1 })),
    changeAt: null,
  }))
  return { name: 'bimodal runs (30 % of runs on a ×5 tail level), stable', within: null, normal: NORMAL, series }
}

/**
 * Bimodal requests, from real HdrHistograms: 10 % of requests in a slow mode (120 ms vs 20 ms), the share
 * varying run to run; from run 30 the slow share is 25 %. With `shift: false` the series stays stable.
 */
export function bimodalRequestsScenario ({ trials, seed, shift }) {
  const series = Array.from({ length: trials }, (_, t) => {
    const rand = prng(seed * 13 + t)
    const runs = makeSeries(seed + t, BEFORE + AFTER, () => ({ cv: 0.1 }))
    for (const [i, run] of runs.entries()) {
      const slowShare = (shift && i >= BEFORE ? 0.25 : 0.1) * Math.exp(0.15 * gaussian(rand))
      const h = bimodalHistogram(rand, { fastMs: 20, slowMs: 120, slowShare })
      Object.assign(run, { latencyHistogram: h.encoded, p50Ms: h.p50, p95Ms: h.p95, p99Ms: h.p99 })
    }
    return { runs, changeAt: shift ? BEFORE : null, expect: LATENCY }
  })
  const normal = { ...NORMAL, p95: 125, p99: 150 }
  return shift
    ? { name: 'bimodal requests, slow share 10 % → 25 % (histograms)', within: 5, normal, series }
    : { name: 'bimodal requests, stable (histograms)', within: null, normal, series }
}

/** A failure-rate step at ~600 requests a run: `kind` 'fivexx' (503s) or 'timeouts'. */
export function errorStepScenario ({ kind, from, to, trials, seed }) {
  const base = { fivexx: 0, fourxx: 0, timeouts: 0 }
  const series = Array.from({ length: trials }, (_, t) => ({
    runs: makeSeries(seed + t, BEFORE + AFTER, (i) => ({ cv: 0.1, ...base, [kind]: i >= BEFORE ? to : from })),
    changeAt: BEFORE,
    expect: kind === 'fivexx' ? ['status_5xx', 'error_rate'] : ['error_timeout', 'error_rate'],
  }))
  const label = kind === 'fivexx' ? '5xx' : 'timeouts'
  const pct = (r) => `${Math.round(r * 1000) / 10} %`
  const normal = { ...NORMAL, errorRate: from, fivexxRate: kind === 'fivexx' ? from : 0 }
  const name = from === 0 ? `first ${label}: 0 → ${pct(to)} of ~600 requests` : `${label} ${pct(from)} → ${pct(to)} of ~600 requests`
  return { name, within: 3, normal, series }
}

/** Gaussian noise is used by callers building their own series. */
export { gaussian }
