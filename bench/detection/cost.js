// Cost of one detectChanges call over a site's last 40 runs, as the control plane makes it after every run.
import { detectChanges } from '@loadfleet/analysis'
import { bimodalHistogram, makeSeries, prng } from './series.js'

const WINDOW = 40

function timeCalls (calls) {
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (const call of calls) call()
  const used = process.cpuUsage(cpu)
  const wallUs = (performance.now() - started) * 1000 / calls.length
  return { wallUs, cpuUs: (used.user + used.system) / calls.length }
}

const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]))

/**
 * µs per call: on per-run figures only; with a latency histogram per run, each call bringing one new run (the
 * others' decoded histograms come from the detector's cache, as in a long-running control plane); and with all 40
 * histograms decoded afresh (a cold process).
 */
export async function measureCost () {
  const plain = makeSeries(77, WINDOW + 400, () => ({ cv: 0.1 }))
  const figures = timeCalls(Array.from({ length: 400 }, (_, i) => () =>
    detectChanges({ runs: plain.slice(i, i + WINDOW) })))
  const rand = prng(78)
  const withHist = makeSeries(79, WINDOW + 200, () => ({ cv: 0.1 }))
  for (const run of withHist) {
    run.latencyHistogram = bimodalHistogram(rand, { fastMs: 20, slowMs: 120, slowShare: 0.1 }).encoded
  }
  detectChanges({ runs: withHist.slice(0, WINDOW) })
  const warm = timeCalls(Array.from({ length: 200 }, (_, i) => () =>
    detectChanges({ runs: withHist.slice(i + 1, i + 1 + WINDOW) })))
  // Cold: fresh histogram strings every call (a different series each time), so nothing is cached.
  const cold = []
  for (let s = 0; s < 10; s++) {
    const runs = makeSeries(900 + s, WINDOW, () => ({ cv: 0.1 }))
    for (const run of runs) {
      run.latencyHistogram = bimodalHistogram(rand, { fastMs: 20, slowMs: 120, slowShare: 0.1 }).encoded
    }
    cold.push(() => detectChanges({ runs }))
  }
  return {
    perRunFigures: round(figures),
    histogramsWarm: round(warm),
    histogramsCold: round(timeCalls(cold)),
  }
}
