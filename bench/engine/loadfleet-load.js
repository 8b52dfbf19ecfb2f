// Child process of the benchmark: Loadfleet's load, alone in its process so its CPU and RSS are measured apart.
// argv[2]: JSON { url, vus, durationMs, sleepMs, runner }. Prints one JSON line { requests, errors, loadCpuUs }.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const { url, vus, durationMs, sleepMs, runner } = JSON.parse(process.argv[2])

/** The whole engine, as `loadfleet run` drives it: executors, metrics into HDR histograms, thresholds. */
async function runEngine () {
  const { parseTestObject } = await import('@loadfleet/core')
  const { runTest } = await import('@loadfleet/engine')
  const parsed = parseTestObject({
    options: { vus, duration: `${durationMs}ms` },
    requests: [{ url }],
    sleep: `${sleepMs}ms`,
  })
  if (parsed.value === undefined) throw new Error(JSON.stringify(parsed.diagnostics))
  const result = await runTest(parsed.value)
  if (result.outcome === 'error') throw new Error(result.errorMessage)
  const requests = result.metrics.http_reqs?.values.count ?? 0
  const failedRate = result.metrics.http_req_failed?.values.rate ?? 0
  return { requests, errors: Math.round(requests * failedRate) }
}

/**
 * The same load as a k6 script on the built-in engine: the background text's script (GET, check, sleep) compiled and
 * run with its module body per VU. Also reports how long the VUs took to start (first to last VU initialised).
 */
async function runScriptCase () {
  const { prepareScript, runScript } = await import('@loadfleet/engine')
  const dir = mkdtempSync(join(tmpdir(), 'bench-script-'))
  const file = join(dir, 'script.js')
  writeFileSync(file, [
    "import http from 'k6/http'",
    "import { check, sleep } from 'k6'",
    'export default function () {',
    '  const res = http.get(__ENV.URL)',
    "  check(res, { 'status is 200': (r) => r.status === 200 })",
    sleepMs > 0 ? `  sleep(${sleepMs / 1000})` : '',
    '}',
  ].join('\n'))
  try {
    const prepared = await prepareScript(file, { env: { URL: url }, overrides: { vus, duration: `${durationMs}ms` } })
    if (prepared.value === undefined) throw new Error(JSON.stringify(prepared.diagnostics))
    const startedAt = performance.now()
    let firstRequestsAt
    const { result } = await runScript(prepared.value, {
      progressIntervalMs: 100,
      onProgress: (p) => { if (firstRequestsAt === undefined && p.vus >= vus) firstRequestsAt = performance.now() },
    })
    if (result.outcome === 'error') throw new Error(result.errorMessage)
    const requests = result.metrics.http_reqs?.values.count ?? 0
    const failedRate = result.metrics.http_req_failed?.values.rate ?? 0
    const startMs = firstRequestsAt === undefined ? undefined : Math.round(firstRequestsAt - startedAt)
    return { requests, errors: Math.round(requests * failedRate), note: startMs === undefined ? '' : `all VUs running after ≤ ${startMs} ms` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The HTTP client alone in a closed loop of VUs, each latency recorded into an HDR histogram as the engine does. */
async function runClient () {
  const { createHttpClient } = await import('@loadfleet/engine')
  const hdr = await import('hdr-histogram-js')
  await hdr.initWebAssembly()
  const histogram = hdr.build({
    useWebAssembly: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  })
  const spec = { method: 'GET', url: new URL(url), headers: {}, timeoutMs: 60_000, maxRedirects: 10 }
  let requests = 0
  let errors = 0
  const onSample = (s) => {
    requests++
    if (s.errorKind !== null || s.status >= 400) errors++
    histogram.recordValue(Math.max(1, Math.round(s.durationUs)))
  }
  const endAt = performance.now() + durationMs
  async function vu () {
    const client = createHttpClient({ insecureSkipTLSVerify: false, userAgent: 'loadfleet/0.1.0', onSample })
    while (performance.now() < endAt) {
      await client.request(spec)
      if (sleepMs > 0) await sleep(sleepMs)
    }
    client.close()
  }
  await Promise.all(Array.from({ length: vus }, vu))
  return { requests, errors, p99Us: histogram.getValueAtPercentile(99) }
}

// CPU of the load phase alone: Node's start-up and module loading are not the cost of a request.
const cpuBefore = process.cpuUsage()
const out = runner === 'engine' ? await runEngine() : runner === 'script' ? await runScriptCase() : await runClient()
const cpu = process.cpuUsage(cpuBefore)
process.stdout.write(`${JSON.stringify({ ...out, loadCpuUs: cpu.user + cpu.system })}\n`)
