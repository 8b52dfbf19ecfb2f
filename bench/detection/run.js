// Detection-quality benchmark (not a test): Loadfleet's regression detector beside a static threshold and a
// Perfherder-style t-test, on labelled synthetic series and on series of real engine runs against a local target.
// Env: BENCH_TRIALS (default 100 series per scenario), BENCH_SKIP_REAL=1, BENCH_REAL_SECONDS (default 2 per run).
// Needs `npm run build` first. Writes bench/results/detection.{md,json}.
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { machine } from '../engine/report.js'
import { loadfleet, perfherder, staticThreshold } from './methods.js'
import { measureCost } from './cost.js'
import { realScenarios } from './real.js'
import { printScenario, writeResults } from './report.js'
import {
  bimodalRequestsScenario, bimodalRunsScenario, driftScenario, errorStepScenario, spikeScenario, stableScenario,
  stepScenario,
} from './scenarios.js'
import { scoreSeries, summarise } from './score.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const RESULTS = join(HERE, '..', 'results')
const TRIALS = Number(process.env.BENCH_TRIALS ?? 100)

function syntheticScenarios () {
  const out = []
  let seed = 1000
  for (const factor of [1.2, 1.5, 2, 4]) {
    for (const cv of [0.05, 0.1, 0.2, 0.3]) out.push(stepScenario({ factor, cv, trials: TRIALS, seed: seed += 1000 }))
  }
  // 10,000 stable runs at CV 10 %, fewer at the other CVs and with more failure kinds live.
  out.push(stableScenario({ cv: 0.1, trials: Math.max(10, Math.round(TRIALS / 2)), length: 212, seed: seed += 1000 }))
  const busyTrials = Math.max(5, Math.round(TRIALS / 5))
  out.push(stableScenario({ cv: 0.1, trials: busyTrials, length: 212, seed: seed += 1000, busy: true }))
  for (const cv of [0.05, 0.2, 0.3]) {
    out.push(stableScenario({ cv, trials: Math.max(5, Math.round(TRIALS / 5)), length: 212, seed: seed += 1000 }))
  }
  out.push(spikeScenario({ trials: Math.max(10, Math.round(TRIALS / 2)), seed: seed += 1000 }))
  out.push(driftScenario({ trials: TRIALS, seed: seed += 1000 }))
  out.push(bimodalRunsScenario({ trials: Math.max(10, Math.round(TRIALS / 2)), seed: seed += 1000 }))
  out.push(bimodalRequestsScenario({ trials: Math.max(10, Math.round(TRIALS / 4)), seed: seed += 1000, shift: false }))
  out.push(bimodalRequestsScenario({ trials: Math.max(10, Math.round(TRIALS / 4)), seed: seed += 1000, shift: true }))
  out.push(errorStepScenario({ kind: 'fivexx', from: 0.001, to: 0.005, trials: TRIALS * 2, seed: seed += 1000 }))
  out.push(errorStepScenario({ kind: 'timeouts', from: 0.01, to: 0.03, trials: TRIALS, seed: seed += 1000 }))
  out.push(errorStepScenario({ kind: 'fivexx', from: 0, to: 0.005, trials: TRIALS, seed: seed += 1000 }))
  return out
}

/** The normal level a static threshold is set from: medians of the stable runs, the configured failure rates. */
function normalOf (scenario) {
  const stable = scenario.series.flatMap((s) => s.runs.slice(0, s.changeAt ?? s.runs.length))
  const med = (f) => {
    const v = stable.map(f).filter((x) => x !== null).sort((a, b) => a - b)
    return v[Math.floor(v.length / 2)]
  }
  return { ...scenario.normal, p95: med((r) => r.p95Ms), p99: med((r) => r.p99Ms) }
}

function scoreScenario (scenario) {
  const methods = [loadfleet, staticThreshold(normalOf(scenario)), perfherder]
  const rows = methods.map((method) => {
    const started = performance.now()
    const scores = scenario.series.map((s) => scoreSeries(method, s))
    return { method: method.name, ...summarise(scores, scenario.within), seconds: (performance.now() - started) / 1000 }
  })
  return { name: scenario.name, within: scenario.within, rows }
}

async function main () {
  const loadBefore = os.loadavg().map((n) => Math.round(n * 100) / 100)
  const scenarios = []
  for (const scenario of syntheticScenarios()) {
    const scored = scoreScenario(scenario)
    printScenario(scored)
    scenarios.push({ ...scored, source: 'synthetic' })
  }
  const real = []
  if (process.env.BENCH_SKIP_REAL !== '1') {
    for (const scenario of await realScenarios()) {
      const scored = scoreScenario(scenario)
      printScenario(scored)
      real.push({ ...scored, source: 'real engine runs', notes: scenario.notes })
    }
  }
  const cost = await measureCost()
  console.log(`\ndetector cost per call (40 runs): ${JSON.stringify(cost)}`)
  const loadAfter = os.loadavg().map((n) => Math.round(n * 100) / 100)
  writeResults({
    mdPath: join(RESULTS, 'detection.md'),
    jsonPath: join(RESULTS, 'detection.json'),
    info: { finishedAt: new Date().toISOString(), machine: machine({}), trials: TRIALS, loadBefore, loadAfter, cost },
    scenarios: [...scenarios, ...real],
  })
}

await main()
