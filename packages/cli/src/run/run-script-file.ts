import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { EXIT_CODES, formatDiagnostic, toK6SummaryExport } from '@loadfleet/core'
import type { Diagnostic, ExecutionTuple } from '@loadfleet/core'
import { prepareScript, renderRunEnd, renderRunHeader, renderTextSummary, runScript } from '@loadfleet/engine'
import type { ScriptOverrides, ScriptRunOutcome } from '@loadfleet/engine'
import { ProgressLine } from './progress-line.js'
import { exitCodeOf } from './execute-run.js'
import { onStopSignals } from '../stop-signals.js'

/** Files `loadfleet run` treats as k6 scripts. */
export const SCRIPT_FILE_RE = /\.([cm]?js|[cm]?ts)$/i

/** Options of `loadfleet run script.js`. */
export interface ScriptRunOptions {
  engine: 'loadfleet' | 'k6'
  vus?: string
  duration?: string
  iterations?: string
  env?: string[]
  summaryExport?: string
  json: boolean
  quiet: boolean
  /** Only this part of the test (`--execution-segment`). */
  segment?: ExecutionTuple | undefined
  executionSegment?: string
  executionSegmentSequence?: string
}

const PROGRESS_INTERVAL_MS = 500

/** `-e KEY=VALUE` flags over the process environment: k6's `__ENV`. */
function envOf (flags: readonly string[]): Record<string, string> | string {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  for (const flag of flags) {
    const at = flag.indexOf('=')
    if (at <= 0) return `-e '${flag}': expected KEY=VALUE`
    env[flag.slice(0, at)] = flag.slice(at + 1)
  }
  return env
}

function overridesOf (opts: ScriptRunOptions): ScriptOverrides | string {
  const out: ScriptOverrides = {}
  for (const key of ['vus', 'iterations'] as const) {
    const raw = opts[key]
    if (raw === undefined) continue
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) return `--${key} '${raw}': expected a whole number`
    out[key] = n
  }
  if (opts.duration !== undefined) out.duration = opts.duration
  return out
}

/** Bad options are bad input (104), as in k6; anything else wrong with a script is a script error (107). */
function exitCodeOfDiagnostics (diagnostics: readonly Diagnostic[]): number {
  return diagnostics.every((d) => d.path.startsWith('options')) ? EXIT_CODES.invalidInput : EXIT_CODES.scriptError
}

/** Runs a k6 script: on the built-in engine, or unmodified on a k6 binary with `--engine k6`. */
export async function runScriptFile (file: string, opts: ScriptRunOptions): Promise<number> {
  const env = envOf(opts.env ?? [])
  const overrides = overridesOf(opts)
  for (const problem of [env, overrides]) {
    if (typeof problem !== 'string') continue
    process.stderr.write(`loadfleet run: ${problem}\n`)
    return EXIT_CODES.invalidInput
  }
  if (typeof env === 'string' || typeof overrides === 'string') return EXIT_CODES.invalidInput
  if (opts.engine === 'k6') return runOnK6(file, opts)
  const prepared = await prepareScript(file, { env, overrides })
  for (const d of prepared.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n')
  if (prepared.value === undefined) return exitCodeOfDiagnostics(prepared.diagnostics)
  const spec = prepared.value.plan.spec
  if (!opts.json) process.stdout.write(renderRunHeader(spec, { script: file, output: '-' }))
  const abort = new AbortController()
  const off = onStopSignals(() => abort.abort(), () => process.exit(EXIT_CODES.externalAbort))
  const progress = new ProgressLine(process.stderr, !opts.quiet)
  let outcome: ScriptRunOutcome
  try {
    outcome = await runScript(prepared.value, {
      signal: abort.signal,
      segment: opts.segment,
      progressIntervalMs: PROGRESS_INTERVAL_MS,
      ...(progress.enabled ? { onProgress: (p) => progress.update(p) } : {}),
      onScriptError: (line) => {
        progress.clear()
        process.stderr.write(line + '\n')
      },
    })
  } finally {
    progress.clear()
    off()
  }
  return report(outcome, opts)
}

async function report (outcome: ScriptRunOutcome, opts: ScriptRunOptions): Promise<number> {
  const { result, spec } = outcome
  if (opts.json) {
    process.stdout.write(JSON.stringify(result) + '\n')
  } else if (result.outcome !== 'error' || Object.keys(result.metrics).length > 0) {
    process.stdout.write('\n' + renderRunEnd(result, spec))
    // As k6: a handleSummary replaces the default summary with what it returns.
    if (outcome.summaryOutputs === undefined) {
      process.stdout.write(renderTextSummary(result, { trendStats: spec.summaryTrendStats, color: process.stdout.isTTY }) + '\n')
    }
  }
  for (const [target, content] of Object.entries(outcome.summaryOutputs ?? {})) {
    if (target === 'stdout') process.stdout.write(content)
    else if (target === 'stderr') process.stderr.write(content)
    else {
      try {
        await writeFile(target, content)
      } catch (err) {
        process.stderr.write(`loadfleet run: handleSummary: cannot write '${target}': ${(err as Error).message}\n`)
      }
    }
  }
  if (opts.summaryExport !== undefined) {
    await writeFile(opts.summaryExport, JSON.stringify(toK6SummaryExport(result), null, 4) + '\n')
  }
  if (outcome.scriptError !== undefined) {
    process.stderr.write(`loadfleet run: ${outcome.scriptError}\n`)
    return EXIT_CODES.scriptError
  }
  if (outcome.aborted !== undefined) {
    process.stderr.write(`loadfleet run: test aborted by the script: ${outcome.aborted}\n`)
    return EXIT_CODES.scriptAborted
  }
  return exitCodeOf(result)
}

/** Hands the script, unmodified, to k6; its output and exit code pass straight through. */
async function runOnK6 (file: string, opts: ScriptRunOptions): Promise<number> {
  const k6 = process.env.K6_BINARY ?? 'k6'
  const args = ['run']
  if (opts.vus !== undefined) args.push('--vus', opts.vus)
  if (opts.duration !== undefined) args.push('--duration', opts.duration)
  if (opts.iterations !== undefined) args.push('--iterations', opts.iterations)
  for (const e of opts.env ?? []) args.push('-e', e)
  // k6 splits a test by the same rules, so the flags pass through unchanged.
  if (opts.executionSegment !== undefined) args.push('--execution-segment', opts.executionSegment)
  if (opts.executionSegmentSequence !== undefined) {
    args.push('--execution-segment-sequence', opts.executionSegmentSequence)
  }
  if (opts.summaryExport !== undefined) args.push('--summary-export', opts.summaryExport)
  if (opts.quiet) args.push('--quiet')
  args.push(file)
  const child = spawn(k6, args, { stdio: 'inherit' })
  // k6 stops gracefully on the first signal and at once on the second; a terminal's Ctrl-C reaches it directly.
  const off = onStopSignals((signal) => child.kill(signal), (signal) => child.kill(signal))
  try {
    const ended = await new Promise<number | NodeJS.ErrnoException>((resolve) => {
      child.once('error', resolve)
      child.once('exit', (code) => resolve(code ?? EXIT_CODES.externalAbort))
    })
    if (typeof ended === 'number') return ended
    process.stderr.write(`loadfleet run: cannot start k6 ('${k6}'): ${ended.code ?? ended.message}; ` +
      'install k6 or set K6_BINARY\n')
    return EXIT_CODES.runError
  } finally {
    off()
  }
}
