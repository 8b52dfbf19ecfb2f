import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { EXIT_CODES, toK6SummaryExport } from '@loadfleet/core'
import type { ExecutionTuple, RunResult, TestSpec } from '@loadfleet/core'
import { renderRunEnd, renderRunHeader, renderTextSummary, runTest, runWithK6 } from '@loadfleet/engine'
import { ProgressLine } from './progress-line.js'

/** How `loadfleet run` runs and reports. */
export interface RunOutputOptions {
  engine: 'loadfleet' | 'k6'
  summaryExport?: string
  json: boolean
  quiet: boolean
  /** The header's `script:`: the test file, or the flags' URL. */
  script?: string
  /** Only this part of the test (`--execution-segment`). */
  segment?: ExecutionTuple | undefined
}

/** Why a run was stopped from outside, for the line that says so. */
export interface StopReason {
  /** The signal that stopped it, e.g. SIGINT. */
  signal?: NodeJS.Signals
}

/** k6's words for the signals that stop a run. */
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = { SIGINT: 'interrupt', SIGTERM: 'terminated' }

/** Progress refreshes twice a second so the line visibly moves at least once a second. */
const PROGRESS_INTERVAL_MS = 500

/** A problem with the output options found before the run, so a long test never ends in an unwritable path. */
export async function checkOutputOptions (opts: RunOutputOptions): Promise<string | undefined> {
  if (opts.segment !== undefined && opts.engine === 'k6') {
    return '--execution-segment with --engine k6 needs a k6 script (.js); a test file runs on the built-in engine'
  }
  if (opts.summaryExport === undefined) return undefined
  const dir = dirname(opts.summaryExport)
  const info = await stat(dir).catch(() => undefined)
  if (info?.isDirectory() !== true) return `--summary-export: directory '${dir}' does not exist`
  return undefined
}

/** Runs the test, prints the summary (or the JSON result), writes the export; returns the exit code. */
export async function executeRun (spec: TestSpec, opts: RunOutputOptions, signal: AbortSignal, stop: StopReason = {}):
Promise<number> {
  const progress = new ProgressLine(process.stderr, !opts.quiet)
  // k6 prints this header itself; the built-in engine prints it as k6 would, before the first request.
  const k6Like = !opts.json && opts.engine === 'loadfleet'
  if (k6Like) process.stdout.write(renderRunHeader(spec, { script: opts.script ?? '-', output: '-' }))
  let result: RunResult
  try {
    result = opts.engine === 'k6' ? await runK6(spec, signal) : await runTest(spec, {
      signal,
      segment: opts.segment,
      progressIntervalMs: PROGRESS_INTERVAL_MS,
      ...(progress.enabled ? { onProgress: (p) => progress.update(p) } : {}),
    })
  } finally {
    progress.clear()
  }
  if (opts.json) process.stdout.write(JSON.stringify(result) + '\n')
  else if (result.outcome !== 'error' || Object.keys(result.metrics).length > 0) {
    // A run that never started has nothing to summarise; its reason goes to stderr.
    if (k6Like) process.stdout.write('\n' + renderRunEnd(result, spec))
    process.stdout.write(renderTextSummary(result, { trendStats: spec.summaryTrendStats, color: process.stdout.isTTY }) + '\n')
  }
  if (result.abortedBy === 'signal') {
    const words = stop.signal === undefined ? 'a signal' : `an '${SIGNAL_WORDS[stop.signal] ?? stop.signal}' signal`
    process.stderr.write(`loadfleet run: test run was aborted because loadfleet received ${words}; ` +
      'the summary covers only the time before it\n')
  }
  if (opts.summaryExport !== undefined) {
    try {
      await writeFile(opts.summaryExport, JSON.stringify(toK6SummaryExport(result), null, 4) + '\n')
    } catch (err) {
      process.stderr.write(`loadfleet run: cannot write --summary-export '${opts.summaryExport}': ${(err as Error).message}\n`)
      return EXIT_CODES.runError
    }
  }
  return exitCodeOf(result)
}

/** k6's exit codes: 105 when interrupted, 103 when the run broke, 99 when thresholds were crossed. */
export function exitCodeOf (result: RunResult): number {
  if (result.abortedBy === 'signal') return EXIT_CODES.externalAbort
  if (result.outcome === 'error') {
    process.stderr.write(`loadfleet run: the test could not run: ${result.errorMessage ?? 'unknown error'}\n`)
    return EXIT_CODES.runError
  }
  if (result.outcome === 'failed') {
    const crossed = [...new Set(result.thresholds.filter((t) => !t.ok).map((t) => t.metric))]
    process.stderr.write(`loadfleet run: thresholds on metrics '${crossed.join("', '")}' have been crossed\n`)
    return EXIT_CODES.thresholdsFailed
  }
  return EXIT_CODES.ok
}

async function runK6 (spec: TestSpec, signal: AbortSignal): Promise<RunResult> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'loadfleet-k6-'))
  try {
    return await runWithK6(spec, {
      k6Binary: process.env.K6_BINARY ?? 'k6',
      tmpDir,
      signal,
      onStdout: (line) => process.stderr.write(line + '\n'),
    })
  } finally {
    await rm(tmpDir, { recursive: true, force: true })
  }
}
