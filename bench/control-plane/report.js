// Renders bench/results/control-plane.md from the JSON results.
const GOAL_API_P99_MS = 25
const GOAL_PAGE_MS = 50

const row = (cells) => `| ${cells.join(' | ')} |`

export function renderReport (r) {
  const m = r.machine
  const lines = [
    '# Control-plane benchmark',
    '',
    `Run ${r.date} with \`node bench/control-plane/run.js\` (after \`npm run build\`).`,
    '',
    `Machine: ${m.cpu}, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}, PostgreSQL ${m.postgres} (local), SQLite ${m.sqlite}. ${m.note}.`,
    '',
    `Load: ${r.settings.agents} simulated agents in a separate process, each polling its targets every ${r.settings.pollEveryS} s, ` +
      `heartbeating every ${r.settings.heartbeatEveryS} s and starting + finishing one run every ${r.settings.resultEveryS} s ` +
      '(random phases; open model: requests leave on schedule whatever the latency). Latency is measured by the client, ' +
      'so it includes HTTP and the load generator\'s own event loop.',
    '',
    '## API latency under 1,000 agents (goal: p99 < 25 ms)',
    '',
    row(['store', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'failures', 'server CPU', 'server RSS', 'goal']),
    row(Array(11).fill('---')),
  ]
  for (const [kind, d] of Object.entries(r.databases)) {
    const fails = Object.values(d.load.byKind).reduce((s, k) => s + k.failures, 0)
    const a = d.load.all
    lines.push(row([kind, a.count, a.rps, a.p50, a.p90, a.p99, a.max, fails,
      `${d.load.serverCpuPct}% of a core`, `${d.load.serverRssMb} MB`, d.load.all.p99 < GOAL_API_P99_MS ? 'met' : 'MISSED']))
  }
  lines.push('', 'How to read this: the client-side figures include every moment the server or the generator was not given a CPU. ' +
    'The second table separates that out: the generator\'s own event-loop delay, the machine\'s 1-minute load average ' +
    '(2 cores; other work ran at the same time) and the share of agent requests the server answered within 25 ms ' +
    'between receiving and answering them (its own `loadfleet_http_request_duration_seconds` histogram).')
  lines.push('', row(['store', 'generator CPU', 'generator event-loop delay p99', 'machine load (1 min) before → after', 'server event-loop lag p99 / max', 'agent requests, registration burst included, the server answered within 25 ms (its own histogram)']), row(Array(6).fill('---')))
  for (const [kind, d] of Object.entries(r.databases)) {
    const load = d.load.machineLoad1m === undefined ? 'not recorded' : d.load.machineLoad1m.join(' → ')
    const lag = d.load.serverSide.eventLoopLagP99Ms === undefined ? 'not recorded' : `${d.load.serverSide.eventLoopLagP99Ms} / ${d.load.serverSide.eventLoopLagMaxMs} ms`
    lines.push(row([kind, `${d.load.client.cpuPct}% of a core`, `${d.load.client.eventLoopDelayP99Ms} ms`, load, lag, `${d.load.serverSide.within25msPct}% of ${d.load.serverSide.agentRequests}`]))
  }
  lines.push('', 'Registration (a burst of 1,000 agents, 100 at a time, before the clock starts) is listed below but ' +
    'not in the overall figures above.')
  lines.push('', 'By request kind:', '', row(['store', 'kind', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'failures']), row(Array(8).fill('---')))
  for (const [kind, d] of Object.entries(r.databases)) {
    for (const [k, s] of Object.entries(d.load.byKind)) {
      lines.push(row([kind, k, s.count, s.rps, s.p50, s.p99, s.max, s.failures]))
    }
  }
  lines.push('', `## Runs list with ${r.settings.storedRuns.toLocaleString('en')} runs stored (goal: < 50 ms per page)`, '')
  for (const [kind, d] of Object.entries(r.databases)) {
    lines.push(`${kind}: ${d.runsList.storedRuns.toLocaleString('en')} rows bulk-inserted in one transaction in ${d.runsList.bulkInsertS} s.`, '')
    lines.push(row(['request', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'goal']), row(Array(6).fill('---')))
    for (const [name, s] of Object.entries(d.runsList.pages)) {
      const isPage = name.startsWith('runs list')
      lines.push(row([name, s.count, s.p50, s.p99, s.max, isPage ? (s.p99 < GOAL_PAGE_MS ? 'met' : 'MISSED') : '—']))
    }
    lines.push('')
  }
  if (r.previousRuns !== undefined) {
    lines.push('## Earlier runs of the same benchmark, while the machine was busier', '',
      'Same code except where noted; kept because they show how much the tail depends on getting a CPU.', '',
      row(['date', 'store', 'p50 ms', 'p99 ms', 'max ms', 'server answered within 25 ms', 'note']), row(Array(7).fill('---')))
    for (const p of r.previousRuns) {
      for (const [kind, d] of Object.entries(p.databases)) {
        lines.push(row([p.date, kind, d.p50, d.p99, d.max, `${d.within25msPct}%`, p.note]))
      }
    }
    lines.push('')
  }
  return lines.join('\n') + '\n'
}
