// Table on stdout; Markdown + JSON under bench/results/.
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'

export function machine (extra) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown'
  return {
    cpu: model,
    cores: os.cpus().length,
    ramGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    ...extra,
  }
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–')

const COLUMNS = ['tool', 'VUs', 'requests', 'req/s', 'CPU µs/req', 'CPU s', 'peak RSS MB', 'errors', 'note']

function cells (r) {
  return [r.tool, fmt(r.vus), fmt(r.requests), fmt(r.rps), fmt(r.cpuUsPerRequest, 1), fmt(r.cpuSeconds, 2),
    fmt(r.peakRssMb, 1), fmt(r.errors), r.note]
}

export function printTable (title, rows) {
  const data = [COLUMNS, ...rows.map(cells)]
  const widths = COLUMNS.map((_, i) => Math.max(...data.map((d) => String(d[i]).length)))
  console.log(`\n${title}`)
  for (const [i, d] of data.entries()) {
    console.log(d.map((c, j) => (j === 0 || j === d.length - 1 ? String(c).padEnd(widths[j]) : String(c).padStart(widths[j]))).join('  '))
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}

function markdownTable (rows) {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i === 0 || i === 8 ? ' --- ' : ' ---: ')).join('|')}|`]
  for (const r of rows) lines.push(`| ${cells(r).join(' | ')} |`)
  return lines.join('\n')
}

export function writeResults ({ mdPath, jsonPath, info, cases }) {
  writeFileSync(jsonPath, `${JSON.stringify({ ...info, cases }, null, 2)}\n`)
  const m = info.machine
  const md = [
    '# Engine benchmark',
    '',
    `Run ${info.finishedAt} with \`npm run bench:engine\` (bench/engine/run.js). Target: ${info.target}, ${info.url}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}; Node ${m.node}; wrk: ${m.wrk ?? 'not found'};` +
      ` autocannon ${m.autocannon}; k6: ${m.k6 ?? 'not found (set K6_BINARY)'}.`,
    `Load average before: ${info.loadBefore.join(' / ')}; after: ${info.loadAfter.join(' / ')} (1/5/15 min).`,
    '',
    'CPU µs/req = user + sys CPU of the generator divided by requests: for the Node generators (Loadfleet, autocannon)',
    'process.cpuUsage() around the load phase inside the child (start-up and module loading excluded), for wrk and',
    'k6 the whole process (GNU time). Peak RSS = ru_maxrss of the generator process (VmHWM), from GNU time.',
    'Each generator runs alone, one after the other, against the same target.',
    '',
    ...cases.flatMap((c) => [`## ${c.title}`, '', markdownTable(c.rows), '']),
    ...(info.notes.length > 0 ? ['## Notes', '', ...info.notes.map((n) => `- ${n}`), ''] : []),
  ]
  writeFileSync(mdPath, md.join('\n'))
}
