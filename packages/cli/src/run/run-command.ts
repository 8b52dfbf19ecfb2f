import { EXIT_CODES, formatDiagnostic, hasErrors } from '@loadfleet/core'
import { loadTestSpec } from './load-spec.js'
import type { TestSourceOptions } from './load-spec.js'
import { checkOutputOptions, executeRun } from './execute-run.js'
import type { RunOutputOptions, StopReason } from './execute-run.js'
import { onStopSignals } from '../stop-signals.js'
import { SCRIPT_FILE_RE, runScriptFile } from './run-script-file.js'
import { segmentOf } from './segment-flags.js'
import type { SegmentFlags } from './segment-flags.js'

export type RunOptions = TestSourceOptions & Omit<RunOutputOptions, 'summaryExport' | 'segment'> &
  SegmentFlags & { summaryExport?: string, env?: string[], on?: string, agents?: string, token?: string }



/** Test flags a k6 script sets in its own code; only --vus, --duration and --iterations override its options. */
const SCRIPT_MISPLACED_FLAGS: Array<[keyof TestSourceOptions, string]> = [
  ['url', '--url'], ['sleep', '--sleep'], ['method', '--method'], ['header', '--header'], ['body', '--body'],
  ['threshold', '--threshold'],
]

/** Options that only make sense for a run on this machine (the test file itself says the rest). */
const LOCAL_ONLY_FLAGS: Array<[keyof RunOptions, string]> = [
  ['executionSegment', '--execution-segment'], ['executionSegmentSequence', '--execution-segment-sequence'],
  ['summaryExport', '--summary-export'], ['env', '--env'], ['vus', '--vus'], ['duration', '--duration'],
  ['iterations', '--iterations'], ...SCRIPT_MISPLACED_FLAGS,
]

/** `loadfleet run`: load the test, run it, print the summary; resolves to the process exit code. */
export async function runCommand (file: string | undefined, opts: RunOptions): Promise<number> {
  if (opts.on !== undefined) {
    const local = LOCAL_ONLY_FLAGS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag)
    if (opts.engine === 'k6') local.push('--engine k6')
    if (local.length > 0) {
      process.stderr.write(`loadfleet run: ${local.join(', ')} cannot be combined with --on; set them in the test file\n`)
      return EXIT_CODES.invalidInput
    }
    const { runOnControlPlane } = await import('./run-on-control-plane.js')
    return runOnControlPlane(file, {
      on: opts.on, json: opts.json, quiet: opts.quiet,
      ...(opts.agents === undefined ? {} : { agents: opts.agents }),
      ...(opts.token === undefined ? {} : { token: opts.token }),
    })
  }
  if (opts.agents !== undefined || opts.token !== undefined) {
    process.stderr.write('loadfleet run: --agents and --token go with --on URL (a run on a control plane)\n')
    return EXIT_CODES.invalidInput
  }
  const segment = segmentOf(opts)
  if (typeof segment === 'string') {
    process.stderr.write(`loadfleet run: ${segment}\n`)
    return EXIT_CODES.invalidInput
  }
  if (file !== undefined && SCRIPT_FILE_RE.test(file)) {
    const misplaced = SCRIPT_MISPLACED_FLAGS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag)
    if (misplaced.length > 0) {
      process.stderr.write(`loadfleet run: ${misplaced.join(', ')} cannot be combined with a k6 script; ` +
        `set them in '${file}' instead\n`)
      return EXIT_CODES.invalidInput
    }
    return runScriptFile(file, { ...opts, segment })
  }
  if (opts.env !== undefined && opts.env.length > 0) {
    process.stderr.write('loadfleet run: -e/--env applies to k6 scripts (.js, .ts) only\n')
    return EXIT_CODES.invalidInput
  }
  const { value: spec, diagnostics } = await loadTestSpec(file, opts)
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n')
  if (spec === undefined || hasErrors(diagnostics)) return EXIT_CODES.invalidInput
  const output: RunOutputOptions = {
    engine: opts.engine, json: opts.json, quiet: opts.quiet, script: file ?? opts.url ?? '-', segment,
  }
  if (opts.summaryExport !== undefined) output.summaryExport = opts.summaryExport
  const outputProblem = await checkOutputOptions(output)
  if (outputProblem !== undefined) {
    process.stderr.write(`loadfleet run: ${outputProblem}\n`)
    return EXIT_CODES.invalidInput
  }
  // First Ctrl-C stops the test and still prints what was measured; a second one leaves at once.
  const abort = new AbortController()
  const stop: StopReason = {}
  const off = onStopSignals((signal) => {
    stop.signal = signal
    abort.abort()
  }, () => process.exit(EXIT_CODES.externalAbort))
  try {
    return await executeRun(spec, output, abort.signal, stop)
  } finally {
    off()
  }
}
