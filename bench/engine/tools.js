// One runner per load generator. Each runs in its own process (measured by measure.js) against the same URL.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { measure } from './measure.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')

/** `loadCpuUs`: CPU of the load phase measured inside a Node child (start-up excluded); else the whole process. */
function row (tool, load, m, requests, errors, note = '', loadCpuUs = undefined) {
  const seconds = load.durationMs / 1000
  const cpuUs = loadCpuUs ?? m.cpuUs
  return {
    tool,
    vus: load.vus,
    sleepMs: load.sleepMs,
    seconds,
    requests,
    errors,
    rps: requests / seconds,
    cpuUsPerRequest: requests > 0 ? cpuUs / requests : NaN,
    cpuSeconds: cpuUs / 1e6,
    processCpuSeconds: m.cpuUs / 1e6,
    peakRssMb: m.peakRssMb,
    note,
  }
}

function failed (tool, load, m, why) {
  return { ...row(tool, load, m, 0, 0, why), failed: true }
}

function lastJsonLine (text) {
  const line = text.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)
  return line === undefined ? null : JSON.parse(line)
}

/** Loadfleet: `runner` 'client' drives the HTTP client in a closed loop; 'engine' runs the whole runTest. */
export async function runLoadfleet (url, load, runner) {
  const args = [join(HERE, 'loadfleet-load.js'), JSON.stringify({ url, ...load, runner })]
  const m = await measure(process.execPath, args, { cwd: ROOT, timeoutMs: load.durationMs + 120_000 })
  const tool = { engine: 'loadfleet (runTest)', script: 'loadfleet (k6 script)' }[runner] ?? 'loadfleet (client loop)'
  const out = lastJsonLine(m.stdout)
  if (m.code !== 0 || out === null) return failed(tool, load, m, `failed: ${m.stderr.trim().split('\n').at(-1) ?? ''}`)
  return row(tool, load, m, out.requests, out.errors, out.note ?? '', out.loadCpuUs)
}

/** autocannon through its API; with a sleep, an overall rate of one request per connection per sleep. */
export async function runAutocannon (url, load) {
  const overallRate = load.sleepMs > 0 ? Math.round(load.vus * 1000 / load.sleepMs) : undefined
  const payload = { url, connections: load.vus, durationMs: load.durationMs, overallRate }
  const m = await measure(process.execPath, [join(HERE, 'autocannon-load.js'), JSON.stringify(payload)],
    { cwd: ROOT, timeoutMs: load.durationMs + 60_000 })
  const out = lastJsonLine(m.stdout)
  const note = overallRate ? `overallRate ${overallRate}/s (no per-connection sleep)` : ''
  if (m.code !== 0 || out === null) return failed('autocannon', load, m, `failed: ${m.stderr.trim()}`)
  return row('autocannon', load, m, out.requests, out.errors, note, out.loadCpuUs)
}

export function wrkVersion () {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  if (r.error) return null
  return (r.stdout + r.stderr).split('\n')[0].replace(/ Copyright.*$/, '').trim()
}

/** wrk with one thread (the other generators are single-threaded too). It cannot sleep, so no memory case. */
export async function runWrk (url, load) {
  const args = ['-t1', `-c${load.vus}`, `-d${load.durationMs / 1000}s`, url]
  const m = await measure('wrk', args, { timeoutMs: load.durationMs + 60_000 })
  const requests = Number(/(\d+) requests in/.exec(m.stdout)?.[1] ?? NaN)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(m.stdout)?.[1] ?? 0)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(m.stdout)
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0)
  if (m.code !== 0 || Number.isNaN(requests)) return failed('wrk', load, m, `failed: ${m.stderr.trim()}`)
  return row('wrk', load, m, requests, errors, '-t1')
}

export function k6Binary () {
  const bin = process.env.K6_BINARY || 'k6'
  const r = spawnSync(bin, ['version'], { encoding: 'utf8' })
  return r.error || r.status !== 0 ? null : { bin, version: r.stdout.trim().split('\n')[0] }
}

export async function runK6 (bin, url, load) {
  const dir = mkdtempSync(join(tmpdir(), 'lf-k6-'))
  const sleepLine = load.sleepMs > 0 ? `  sleep(${load.sleepMs / 1000})\n` : ''
  writeFileSync(join(dir, 'script.js'), 'import http from \'k6/http\'\nimport { sleep } from \'k6\'\n' +
    `export const options = { vus: ${load.vus}, duration: '${load.durationMs}ms' }\n` +
    `export default function () {\n  http.get(${JSON.stringify(url)})\n${sleepLine}}\n`)
  const summary = join(dir, 'summary.json')
  const args = ['run', '--quiet', '--no-usage-report', '--no-color', '--summary-export', summary, join(dir, 'script.js')]
  const m = await measure(bin, args, { timeoutMs: load.durationMs + 120_000 })
  try {
    const metrics = JSON.parse(readFileSync(summary, 'utf8')).metrics
    const requests = metrics.http_reqs?.count ?? 0
    return row('k6', load, m, requests, Math.round(requests * (metrics.http_req_failed?.value ?? 0)))
  } catch {
    return failed('k6', load, m, `failed: ${m.stderr.trim().split('\n').at(-1) ?? ''}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
