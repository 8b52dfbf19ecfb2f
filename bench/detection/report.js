// Tables on stdout; Markdown + JSON under bench/results/.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 1000) / 10} %`)
const num = (x, d = 1) => (x === null || x === undefined ? '–' : (Math.round(x * 10 ** d) / 10 ** d).toString())

const COLUMNS = ['method', 'series', 'recall', 'recall ≤ N runs', 'precision', 'median delay (runs)',
  'false alerts / 1,000 stable runs', 'spike alerts']

function cells (r, within) {
  return [r.method, String(r.trials), pct(r.recall), within === null ? '–' : `${pct(r.recallWithin)} (N = ${within})`,
    pct(r.precision), num(r.medianDelay), `${num(r.falseAlertsPer1000, 2)} (${r.falseAlerts}/${r.stableRuns})`,
    r.spikeAlerts === null ? '–' : `${r.spikeAlerts}/${r.spikes}`]
}

export function printScenario (s) {
  const data = [COLUMNS, ...s.rows.map((r) => cells(r, s.within))]
  const widths = COLUMNS.map((_, i) => Math.max(...data.map((d) => d[i].length)))
  console.log(`\n${s.name}`)
  for (const [i, d] of data.entries()) {
    console.log(d.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '))
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}

function markdownTable (s) {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`]
  for (const r of s.rows) lines.push(`| ${cells(r, s.within).join(' | ')} |`)
  return lines.join('\n')
}

const atLeast = (min) => (v) => v >= min
const GOALS = [
  { scenario: 'p95 step ×2, CV 10 %', goal: 'recall within 3 runs ≥ 95 %', value: (r) => r.recallWithin,
    ok: atLeast(0.95), show: pct },
  { scenario: 'p95 step ×1.5, CV 10 %', goal: 'recall within 5 runs ≥ 90 %', value: (r) => r.recallWithin,
    ok: atLeast(0.9), show: pct },
  { scenario: 'stable, CV 10 %, 0.1 % 5xx', goal: '≤ 1 false alert / 1,000 stable runs (all metrics)',
    value: (r) => r.falseAlertsPer1000, ok: (v) => v <= 1, show: (v) => num(v, 2) },
  { scenario: 'single-run spikes', goal: 'no alert from a single-run spike', value: (r) => r.spikeAlerts,
    ok: (v) => v === 0, show: String },
  { scenario: '5xx 0.1 % → 0.5 %', goal: 'detected within 3 runs in ≥ 60 %', value: (r) => r.recallWithin,
    ok: atLeast(0.6), show: pct },
]

/** How the scores are defined, at the top of the Markdown. */
const PREAMBLE = [
  'Each method is called after every run of a labelled series, as the control plane calls the detector (Loadfleet:',
  '`detectChanges` over the last 40 runs). An alert is a run at which a metric starts being reported. Alerts before',
  'the labelled change are false alerts; the first alert of an expected metric at or after it detects the change, its',
  'delay counting the first changed run as 1. Recall = changes detected within the series (15 runs after a step);',
  'precision = detections / (detections + false alerts); false alerts per 1,000 stable runs counts every evaluated',
  'run before a change (the first 12 runs of a series are warm-up for every method, so early, short histories are',
  'included). Spike alerts = spikes followed within 10 runs by a false alert.',
  '',
  'Synthetic runs: p50/p95/p99 log-normal at the given run-to-run CV (percentiles of one run correlated), ~600',
  'requests a run with binomial 5xx/4xx/timeout counts. Static threshold: p95/p99 above 1.5× the stable median, failure',
  'or 5xx rate above max(1 %, 3× normal), judged on the newest run. Perfherder-style: treeherder perfalert defaults',
  '(12–24 runs back, 12 forward, Welch t > 7, change ≥ 2 %), on p95, p99, failure and 5xx rates.',
  '',
]

/** The goals, read off the synthetic scenarios for Loadfleet's detector. */
function goalLines (scenarios) {
  const lines = ['## Goals (Loadfleet detector, synthetic series)', '',
    '| scenario | goal | measured | met |', '| --- | --- | ---: | --- |']
  for (const g of GOALS) {
    const s = scenarios.find((x) => x.source === 'synthetic' && x.name.startsWith(g.scenario))
    const row = s?.rows.find((r) => r.method.startsWith('Loadfleet'))
    const v = row === undefined ? null : g.value(row)
    const met = v === null ? '–' : g.ok(v) ? 'yes' : 'no'
    lines.push(`| ${s?.name ?? g.scenario} | ${g.goal} | ${v === null ? '–' : g.show(v)} | ${met} |`)
  }
  return [...lines, '']
}

export function writeResults ({ mdPath, jsonPath, info, scenarios, preamble = PREAMBLE }) {
  writeFileSync(jsonPath, `${JSON.stringify({ ...info, scenarios }, null, 2)}\n`)
  renderMarkdown({ mdPath, info, scenarios, preamble })
}

/** Markdown from the results (also `node bench/detection/report.js` re-renders it from detection.json). */
export function renderMarkdown ({ mdPath, info, scenarios, preamble }) {
  const m = info.machine
  const c = info.cost
  const md = [
    '# Detection-quality benchmark',
    '',
    `Run ${info.finishedAt} with \`npm run bench:detection\` (bench/detection/run.js), ${info.trials} series per step scenario.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.ramGiB} GiB RAM, ${m.os}; Node ${m.node}.`,
    `Load average before: ${info.loadBefore.join(' / ')}; after: ${info.loadAfter.join(' / ')} (1/5/15 min).`,
    '',
    ...(preamble ?? []),
    ...goalLines(scenarios),
    '## Cost of one detector call (40 runs, 13 metrics)',
    '',
    '| input | wall µs / call | CPU µs / call |',
    '| --- | ---: | ---: |',
    `| per-run figures only | ${c.perRunFigures.wallUs} | ${c.perRunFigures.cpuUs} |`,
    `| with a latency histogram per run, one new run per call (others cached) | ${c.histogramsWarm.wallUs} | ${c.histogramsWarm.cpuUs} |`,
    `| with 40 histograms decoded afresh (cold process) | ${c.histogramsCold.wallUs} | ${c.histogramsCold.cpuUs} |`,
    '',
    ...scenarios.flatMap((s) => [`## ${s.name} (${s.source})`, '', markdownTable(s), '',
      ...(s.notes === undefined ? [] : [s.notes, ''])]),
  ]
  writeFileSync(mdPath, md.join('\n'))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')
  const { scenarios, ...info } = JSON.parse(readFileSync(join(dir, 'detection.json'), 'utf8'))
  renderMarkdown({ mdPath: join(dir, 'detection.md'), info, scenarios, preamble: PREAMBLE })
}
