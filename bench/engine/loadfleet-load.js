// Child process of the benchmark: Loadfleet's load, alone in its process so its CPU and RSS are measured apart.
// argv[2]: JSON { url, vus, durationMs, sleepMs, runner }. Prints one JSON line { requests, errors, loadCpuUs }.
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
const out = runner === 'engine' ? await runEngine() : await runClient()
const cpu = process.cpuUsage(cpuBefore)
process.stdout.write(`${JSON.stringify({ ...out, loadCpuUs: cpu.user + cpu.system })}\n`)
