// Scoring: each method is called after every run of a labelled series, as the control plane would, and its alerts
// (a metric newly reported at a run) are matched with the labels.

/** Runs a site has before anything is judged (every method gets the same warm-up). */
export const WARMUP = 12

/**
 * Alert onsets of a method over one series: `{ index, metrics }` for each run at which at least one metric is
 * reported that was not reported after the previous run (one alert however many metrics start together).
 */
export function onsets (method, runs) {
  const out = []
  let previous = new Set()
  for (let n = WARMUP; n <= runs.length; n++) {
    const now = method.evaluate(runs.slice(0, n))
    const fresh = [...now].filter((m) => !previous.has(m))
    if (fresh.length > 0) out.push({ index: n - 1, metrics: fresh })
    previous = now
  }
  return out
}

/**
 * Scores one series. Labels: `changeAt` (index of the first changed run, or null), `expect` (metrics that should
 * report the change), `spikes` (`{ at, metrics }`: a single-run spike and the metrics it moves). Onsets before
 * `changeAt` are false alerts; the first onset of an expected metric at or after it detects the change, with
 * delay = runs since the change including the first changed run (1 = detected on the first changed run).
 */
export function scoreSeries (method, series) {
  const { runs, changeAt = null, expect = [], spikes = [] } = series
  const found = onsets(method, runs)
  const stableEnd = changeAt ?? runs.length
  const falseAlerts = found.filter((o) => o.index < stableEnd)
  const hit = changeAt === null
    ? undefined
    : found.find((o) => o.index >= changeAt && o.metrics.some((m) => expect.includes(m)))
  return {
    hasChange: changeAt !== null,
    stableRuns: Math.max(0, stableEnd - (WARMUP - 1)),
    falseAlerts: falseAlerts.length,
    // A spike "alerted" if one of the metrics it moved starts being reported within 10 runs of it.
    spikeAlerts: spikes.filter((s) => falseAlerts.some((o) => o.index >= s.at && o.index <= s.at + 10 &&
      o.metrics.some((m) => s.metrics.includes(m)))).length,
    spikes: spikes.length,
    detected: hit !== undefined,
    delay: hit === undefined ? null : hit.index - changeAt + 1,
  }
}

const median = (v) => {
  if (v.length === 0) return null
  const s = [...v].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Aggregates scores of one scenario: recall (detected within the series), recall within `within` runs,
 * precision (detections over detections + false alerts), median delay and false alerts per 1,000 stable runs.
 */
export function summarise (scores, within) {
  const changes = scores.filter((s) => s.hasChange)
  const detected = changes.filter((s) => s.detected)
  const falseAlerts = scores.reduce((n, s) => n + s.falseAlerts, 0)
  const stableRuns = scores.reduce((n, s) => n + s.stableRuns, 0)
  const spikes = scores.reduce((n, s) => n + s.spikes, 0)
  return {
    trials: scores.length,
    recall: changes.length > 0 ? detected.length / changes.length : null,
    recallWithin: changes.length > 0 && within !== null
      ? detected.filter((s) => s.delay <= within).length / changes.length
      : null,
    within,
    precision: detected.length + falseAlerts > 0 ? detected.length / (detected.length + falseAlerts) : null,
    medianDelay: median(detected.map((s) => s.delay)),
    falseAlertsPer1000: stableRuns > 0 ? falseAlerts / stableRuns * 1000 : null,
    falseAlerts,
    stableRuns,
    spikes,
    spikeAlerts: spikes > 0 ? scores.reduce((n, s) => n + s.spikeAlerts, 0) : null,
  }
}
