import { formatDurationMs, formatGateValue } from '@loadfleet/core'
import type { GateReporter } from './run-gate.js'

/** Carriage return + "erase line": the progress line rewrites itself in place. */
const REWRITE = '\r\x1b[2K'

/** Quotes a value for a `key=value` line when it has spaces or quotes. */
function kv (value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
}

/**
 * Progress of a gate. On a terminal: a line per app and test and a live line for the running test (on stderr).
 * Otherwise: one `key=value` line per event on stdout, for CI logs and scripts.
 */
export function gateReporter (stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): GateReporter {
  if (stdout.isTTY !== true) return plainReporter((line) => stdout.write(line + '\n'))
  let live = false
  const say = (line: string): void => {
    if (live) stderr.write(REWRITE)
    live = false
    stdout.write(line + '\n')
  }
  return {
    appStart: (app, tests) => say(`▶ ${app.name}: ${tests.length === 0 ? 'no gate tests' : tests.map((t) => t.name).join(', ')}`),
    appSkipped: (app, reason) => say(`⏭ ${app.name}: skipped, ${reason}`),
    testStart: () => undefined,
    testProgress: (app, test, p) => {
      if (stderr.isTTY !== true) return
      live = true
      stderr.write(`${REWRITE}  ${app.name}/${test.name} [${formatDurationMs(Math.floor(p.elapsedMs / 1000) * 1000)}/` +
        `${formatDurationMs(p.totalMs)}] ${p.rps.toFixed(1)} req/s  p95=${p.p95Ms.toFixed(2)}ms  errors=${(p.errorRate * 100).toFixed(2)}%`)
    },
    testDone: (app, test) => {
      const p95 = test.metrics.p95 === undefined ? '' : `  p95=${formatGateValue('p95', test.metrics.p95)}`
      const why = test.status === 'pass' ? '' : `  ${[test.reason, ...test.thresholds.filter((t) => !t.ok)
        .map((t) => `threshold ${t.metric} ${t.expression}`), ...test.criteria.filter((c) => c.status !== 'pass')
        .map((c) => c.message)].filter((x) => x !== null).join('; ')}`
      say(`  ${test.status.padEnd(12)} ${app.name}/${test.name}${p95}${why}`)
    },
    appDone: (app) => {
      if (app.status !== 'skipped') say(`  ${app.name}: ${app.status}`)
    },
  }
}

function plainReporter (write: (line: string) => void): GateReporter {
  return {
    appStart: (app, tests) => write(`app=${app.name} event=start tests=${tests.length}`),
    appSkipped: (app, reason) => write(`app=${app.name} event=skipped reason=${kv(reason)}`),
    testStart: (app, test) => write(`app=${app.name} test=${test.name} event=start`),
    testProgress: () => undefined,
    testDone: (app, test) => {
      const figures = Object.entries(test.metrics).map(([k, v]) => `${k}=${Number(v.toFixed(3))}`).join(' ')
      const failed = test.criteria.filter((c) => c.status === 'fail').map((c) => `${c.metric}${c.criterion}`)
        .concat(test.thresholds.filter((t) => !t.ok).map((t) => `${t.metric}:${t.expression}`))
      write(`app=${app.name} test=${test.name} event=done status=${test.status}${figures === '' ? '' : ` ${figures}`}` +
        (failed.length === 0 ? '' : ` failed=${kv(failed.join(','))}`) + (test.reason === null ? '' : ` reason=${kv(test.reason)}`))
    },
    appDone: (app) => write(`app=${app.name} event=done status=${app.status}`),
  }
}
