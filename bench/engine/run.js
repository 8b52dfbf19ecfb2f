// Engine benchmark (not a test): Loadfleet beside autocannon, wrk and k6 against one local target.
// Env: BENCH_SECONDS (default 10), BENCH_ROUNDS (default 3), BENCH_MEMORY_SECONDS (default 20),
// BENCH_MEMORY_VUS (default "1000,10000"), BENCH_SKIP_MEMORY=1, K6_BINARY, BENCH_NAME (default engine).
// Writes bench/results/$BENCH_NAME.{md,json}.
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canMeasure } from './measure.js'
import { machine, printTable, writeResults } from './report.js'
import { startTarget } from './target.js'
import { k6Binary, runAutocannon, runK6, runLoadfleet, runWrk, wrkVersion } from './tools.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const RESULTS = join(HERE, '..', 'results')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
/** The machine is shared: each tool runs this many times, interleaved, and the median round is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 20)
const MEMORY_VUS = (process.env.BENCH_MEMORY_VUS ?? '1000,10000').split(',').map(Number)
/** Loadfleet runners measured: the client alone, the whole engine (runTest) as `loadfleet run` uses it, a k6 script. */
const LOADFLEET_RUNNERS = ['client', 'engine', 'script']

const loadavg = () => os.loadavg().map((n) => Math.round(n * 100) / 100)

/** The round with the median CPU per request, its note giving the range over all rounds. */
function medianRound (rounds) {
  const sorted = [...rounds].sort((a, b) => a.cpuUsPerRequest - b.cpuUsPerRequest)
  const median = sorted[Math.floor((sorted.length - 1) / 2)]
  if (rounds.length < 2) return median
  const range = `CPU µs/req over ${rounds.length} rounds: ${sorted.map((r) => r.cpuUsPerRequest.toFixed(1)).join(', ')}`
  return { ...median, rounds, note: [median.note, range].filter(Boolean).join('; ') }
}

async function throughputCase (url, tools) {
  const load = { vus: 10, sleepMs: 0, durationMs: SECONDS * 1000 }
  const runs = [
    ...LOADFLEET_RUNNERS.map((runner) => () => runLoadfleet(url, load, runner)),
    () => runAutocannon(url, load),
    ...(tools.wrk ? [() => runWrk(url, load)] : []),
    ...(tools.k6 ? [() => runK6(tools.k6.bin, url, load)] : []),
  ]
  const rounds = runs.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, run] of runs.entries()) rounds[i].push(await run())
  }
  const title = `10 VUs, no sleep, ${SECONDS} s (median of ${ROUNDS} interleaved rounds)`
  return { title, load, rows: rounds.map(medianRound) }
}

async function memoryCase (url, tools) {
  const rows = []
  for (const vus of MEMORY_VUS) {
    const load = { vus, sleepMs: 1000, durationMs: MEMORY_SECONDS * 1000 }
    for (const runner of LOADFLEET_RUNNERS) rows.push(await runLoadfleet(url, load, runner))
    if (vus <= 1000) rows.push(await runAutocannon(url, load))
    if (tools.k6) rows.push(await runK6(tools.k6.bin, url, load))
  }
  return { title: `Memory: VUs doing one GET then sleeping 1 s, for ${MEMORY_SECONDS} s`, rows }
}

async function main () {
  if (!canMeasure()) throw new Error('/usr/bin/time not found: apt-get install -y time')
  const notes = []
  const wrk = wrkVersion()
  const k6 = k6Binary()
  if (wrk === null) { console.log('wrk: not found (apt-get install -y wrk)'); notes.push('wrk: not found') }
  if (k6 === null) { console.log('k6: not found (set K6_BINARY)'); notes.push('k6: not found (set K6_BINARY)') }
  const autocannon = JSON.parse(readFileSync(join(HERE, '..', '..', 'node_modules', 'autocannon', 'package.json'))).version
  const target = await startTarget()
  process.once('SIGINT', () => { target.stop().finally(() => process.exit(130)) })
  console.log(`target: ${target.kind} at ${target.url}`)
  if (!target.kind.startsWith('nginx')) notes.push(`target fell back to ${target.kind}`)
  const loadBefore = loadavg()
  console.log(`load average before: ${loadBefore.join(' ')}`)
  const cases = []
  try {
    cases.push(await throughputCase(target.url, { wrk, k6 }))
    printTable(cases[0].title, cases[0].rows)
    if (process.env.BENCH_SKIP_MEMORY !== '1') {
      cases.push(await memoryCase(target.url, { wrk, k6 }))
      printTable(cases[1].title, cases[1].rows)
    }
  } finally {
    await target.stop()
  }
  const loadAfter = loadavg()
  console.log(`\nload average after: ${loadAfter.join(' ')}`)
  notes.push('wrk cannot sleep between requests, so it has no memory row; autocannon has no think time, so its' +
    ' memory row uses an overall rate of one request per connection per second instead.')
  notes.push('loadfleet (client loop): the engine\'s HTTP client alone, N VUs in a closed loop, each latency recorded' +
    ' in an HDR histogram; loadfleet (runTest): the whole engine as `loadfleet run` drives it (executors, all k6' +
    ' metrics, thresholds).')
  notes.push('loadfleet (k6 script): `loadfleet run script.js`\'s path — a k6 script (GET, check, and sleep(1) in the' +
    ' memory case) compiled once and its module body run per VU; the note gives the time until every VU was running' +
    ' (sampled every 100 ms).')
  notes.push('The memory case starts every VU at once, as k6 does: creating 10,000 sockets takes Node about 1 s, and' +
    ' the VUs then stay in lockstep (a burst of 10,000 requests each second against one nginx worker), so the' +
    ' 10,000-VU request rate is below 10,000/s.')
  const info = {
    finishedAt: new Date().toISOString(),
    target: target.kind,
    url: target.url,
    machine: machine({ wrk, k6: k6?.version ?? null, autocannon, nginx: target.kind }),
    loadBefore,
    loadAfter,
    notes,
  }
  const name = process.env.BENCH_NAME ?? 'engine'
  writeResults({ mdPath: join(RESULTS, `${name}.md`), jsonPath: join(RESULTS, `${name}.json`), info, cases })
  console.log(`\nwrote ${join(RESULTS, `${name}.md`)} and ${name}.json`)
}

await main()
