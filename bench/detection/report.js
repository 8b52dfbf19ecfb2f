// Tables on stdout; Markdown + JSON under bench/results/.
import { writeFileSync } from 'node:fs'

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

export function writeResults ({ mdPath, jsonPath, info, scenarios, preamble }) {
  writeFileSync(jsonPath, `${JSON.stringify({ ...info, scenarios }, null, 2)}\n`)
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
