// Child process of the benchmark: autocannon through its API, in its own process so its CPU and RSS are measured apart.
// argv[2]: JSON { url, connections, durationMs, overallRate? }. Prints one JSON line { requests, errors, loadCpuUs }.
import autocannon from 'autocannon'

const { url, connections, durationMs, overallRate } = JSON.parse(process.argv[2])
// Modules are already loaded here: the CPU measured below is the load phase alone, as for Loadfleet.
const cpuBefore = process.cpuUsage()
const result = await autocannon({
  url,
  connections,
  duration: durationMs / 1000,
  ...(overallRate ? { overallRate } : {}),
})
const cpu = process.cpuUsage(cpuBefore)
const requests = result.requests.total
const errors = result.errors + result.timeouts + result.non2xx
process.stdout.write(`${JSON.stringify({ requests, errors, loadCpuUs: cpu.user + cpu.system })}\n`)
