// The methods scored side by side. Each `evaluate(runs)` looks at a site's runs (oldest → newest) after the newest
// one finished and returns the set of metrics it reports as regressed at that moment.
import { detectChanges } from '@loadfleet/analysis'

/** Runs handed to Loadfleet's detector on each call, as the control plane does. */
export const DETECTOR_WINDOW = 40

export const loadfleet = {
  name: 'Loadfleet detector',
  evaluate (runs) {
    const { changes } = detectChanges({ runs: runs.slice(-DETECTOR_WINDOW) })
    return new Set(changes.filter((c) => c.regression).map((c) => c.metric))
  },
}

const rate = (count, run) => (run.requests > 0 ? count / run.requests : 0)
const fivexx = (run) => Object.entries(run.statusCounts).reduce((n, [code, c]) => n + (code[0] === '5' ? c : 0), 0)

/** The per-run values the reference methods watch. */
const WATCHED = {
  p95: (r) => r.p95Ms,
  p99: (r) => r.p99Ms,
  error_rate: (r) => rate(r.failedRequests, r),
  status_5xx: (r) => rate(fivexx(r), r),
}

/**
 * A static threshold, as Grafana Synthetic Monitoring or k6 Cloud alert: set once by someone who knows the site's
 * normal level — p95/p99 above 1.5× the normal median, a failure or 5xx rate above max(1 %, 3× normal) — and
 * judged on the newest run alone.
 */
export function staticThreshold (normal) {
  const limits = {
    p95: normal.p95 * 1.5,
    p99: normal.p99 * 1.5,
    error_rate: Math.max(0.01, 3 * normal.errorRate),
    status_5xx: Math.max(0.01, 3 * normal.fivexxRate),
  }
  return {
    name: 'static threshold',
    evaluate (runs) {
      const run = runs[runs.length - 1]
      const out = new Set()
      for (const [metric, value] of Object.entries(WATCHED)) {
        const v = value(run)
        if (v !== null && v > limits[metric]) out.add(metric)
      }
      return out
    },
  }
}

/** Perfherder's defaults (treeherder perfalert): 12–24 runs back, 12 forward, t > 7, at least a 2 % change. */
const BACK_MIN = 12
const BACK_MAX = 24
const FORE = 12
const T_THRESHOLD = 7
const MIN_PCT = 0.02

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length
const variance = (v, m) => (v.length > 1 ? v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) : 0)

/**
 * Perfherder-style t-test: the run 12 back from the newest is a candidate change point once 12 runs follow it;
 * Welch's t of the 12 runs from it against the up to 24 before it (perfalert's `calc_t`) must exceed 7. Only
 * increases (regressions) of the watched metrics are reported.
 */
export const perfherder = {
  name: 'Perfherder t-test (12/12, t > 7)',
  evaluate (runs) {
    const out = new Set()
    const i = runs.length - FORE
    if (i < BACK_MIN) return out
    for (const [metric, value] of Object.entries(WATCHED)) {
      const back = runs.slice(Math.max(0, i - BACK_MAX), i).map(value).filter((v) => v !== null)
      const fore = runs.slice(i).map(value).filter((v) => v !== null)
      if (back.length < BACK_MIN || fore.length < FORE) continue
      const mb = mean(back)
      const mf = mean(fore)
      const se = Math.sqrt(variance(back, mb) / back.length + variance(fore, mf) / fore.length)
      const t = se > 0 ? (mf - mb) / se : (mf > mb ? Infinity : 0)
      const pct = mb > 0 ? (mf - mb) / mb : (mf > 0 ? Infinity : 0)
      if (t > T_THRESHOLD && pct >= MIN_PCT) out.add(metric)
    }
    return out
  },
}
