import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import {
  addK6JsonLine, emptyK6ResponseCounts, parseK6SummaryExport, type K6SummaryData, type RunResult, type TestSpec,
} from '@loadfleet/core'
import { generateK6Script, secretHeaderEnv } from './generate-script.js'

/** Options of `runWithK6`. */
export interface RunWithK6Options {
  /** Path or command name of the k6 executable (`K6_BINARY`, default `k6`). */
  k6Binary: string
  /** Where the script and summary go; both are removed afterwards. */
  tmpDir: string
  signal?: AbortSignal
  /** Each line k6 prints on stdout (its progress), for the CLI to pass through. */
  onStdout?: (line: string) => void
  /** Names the temp files; random when absent. */
  runId?: string
  /**
   * Also count responses per status code and error kind, which k6's summary lacks, from a `--out json` stream.
   * Costs k6 disk space (about 4 kB per request), hence opt-in.
   */
  countResponses?: boolean
}

/** The default trend stats of a test: k6's defaults plus p(99), which the control plane stores. */
export const K6_TREND_STATS = 'avg,min,med,max,p(90),p(95),p(99)'
/** k6's exit code for "the run finished, thresholds crossed" (also after an `abortOnFail` stop). */
const K6_THRESHOLDS_FAILED = 99
/** k6 stops gracefully on SIGTERM (writing its summary); after this long we stop waiting and kill it. */
const KILL_AFTER_MS = 10_000
/** After k6 exits, how long its pipes may stay open (held by a child of a wrapper script) before we stop reading. */
const PIPE_DRAIN_MS = 2000

interface K6Exit {
  code: number | null
  spawnError?: NodeJS.ErrnoException
  lastStderr: string
}

/**
 * Runs `spec` with a real k6 binary and reads its `--summary-export` into a RunResult. Exit 0 → passed,
 * 99 → failed (the run finished with thresholds crossed); anything else, a missing binary or an abort → error.
 */
export async function runWithK6 (spec: TestSpec, options: RunWithK6Options): Promise<RunResult> {
  const runId = options.runId ?? randomUUID()
  const scriptPath = join(options.tmpDir, `k6-script-${runId}.js`)
  const summaryPath = join(options.tmpDir, `summary-${runId}.json`)
  const outPath = join(options.tmpDir, `out-${runId}.jsonl`)
  const startedAt = Date.now()
  const base: Pick<RunResult, 'engine' | 'startedAt' | 'metrics' | 'thresholds' | 'statusCodes' | 'errorKinds'> =
    { engine: 'k6', startedAt, metrics: {}, thresholds: [], statusCodes: {}, errorKinds: {} }
  if (isAborted(options.signal)) {
    const errorMessage = 'cancelled before k6 started'
    return { ...base, outcome: 'error', finishedAt: startedAt, durationMs: 0, abortedBy: 'signal', errorMessage }
  }
  try {
    await writeFile(scriptPath, generateK6Script(spec))
    const out = options.countResponses === true ? ['--out', `json=${outPath}`] : []
    // The test's own stats (its default includes p(99), which the control plane stores), never a fixed list.
    const args = ['run', '--summary-export', summaryPath, '--summary-trend-stats', spec.summaryTrendStats.join(','),
      '--no-usage-report', '--no-color', ...out, scriptPath]
    const exit = await runProcess(options.k6Binary, args, { ...options, env: secretHeaderEnv(spec) })
    if (options.countResponses === true) Object.assign(base, await countResponses(outPath))
    const finishedAt = Date.now()
    const wall = { finishedAt, durationMs: finishedAt - startedAt }
    const summary = await readSummary(summaryPath)
    const fromSummary = summary === undefined ? {} : withSpecVerdicts(summary, spec)
    const aborted = isAborted(options.signal)
    const error = errorOf(exit, { aborted, k6Binary: options.k6Binary, hasSummary: summary !== undefined })
    if (error !== undefined) {
      return { ...base, ...fromSummary, ...wall, outcome: 'error', errorMessage: error, ...(aborted ? { abortedBy: 'signal' } : {}) }
    }
    const durationMs = summary !== undefined && summary.durationMs > 0 ? summary.durationMs : wall.durationMs
    return { ...base, ...fromSummary, finishedAt, durationMs, outcome: exit.code === 0 ? 'passed' : 'failed' }
  } finally {
    await Promise.all([scriptPath, summaryPath, outPath].map((path) => rm(path, { force: true })))
  }
}

function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Why the run is an error, or undefined when k6 finished (exit 0 or 99) and wrote its summary. */
function errorOf (exit: K6Exit, ctx: { aborted: boolean, k6Binary: string, hasSummary: boolean }): string | undefined {
  if (exit.spawnError?.code === 'ENOENT') return `k6 binary not found at ${ctx.k6Binary}: install k6 or set K6_BINARY`
  if (exit.spawnError !== undefined) return `k6 could not be started (${ctx.k6Binary}): ${exit.spawnError.message}`
  const last = exit.lastStderr === '' ? '' : `: ${exit.lastStderr}`
  if (ctx.aborted) return `cancelled: k6 was stopped (exit code ${exit.code ?? 'none'})`
  if (exit.code !== 0 && exit.code !== K6_THRESHOLDS_FAILED) return `k6 exited with code ${exit.code ?? 'none'}${last}`
  if (!ctx.hasSummary) return `k6 exited with code ${exit.code} but wrote no readable summary${last}`
  return undefined
}

/** Verdicts from the export carry no abortOnFail; take it from the spec that produced them. */
function withSpecVerdicts (summary: K6SummaryData, spec: TestSpec): Pick<RunResult, 'metrics' | 'thresholds' | 'checks'> {
  const abortOnFail = new Set(spec.thresholds.filter((t) => t.abortOnFail).map((t) => `${t.metric}\0${t.expression}`))
  return {
    metrics: summary.metrics,
    thresholds: summary.thresholds.map((v) => ({ ...v, abortOnFail: abortOnFail.has(`${v.metric}\0${v.expression}`) })),
    checks: summary.checks,
  }
}

/** Streams k6's `--out json` file (it can be large) into per-status and per-error-kind counts. */
async function countResponses (path: string): Promise<Pick<RunResult, 'statusCodes' | 'errorKinds'>> {
  const counts = emptyK6ResponseCounts()
  try {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
    for await (const line of lines) addK6JsonLine(counts, line)
  } catch {
    // no output file (k6 failed early): leave the counts empty; the exit code tells what happened
  }
  return { statusCodes: counts.statusCodes, errorKinds: counts.errorKinds }
}

async function readSummary (path: string): Promise<K6SummaryData | undefined> {
  try {
    return parseK6SummaryExport(JSON.parse(await readFile(path, 'utf8')))
  } catch {
    return undefined // missing or unreadable: the caller reports k6's exit code and stderr instead
  }
}

/** Spawns k6, streams stdout lines, remembers the last stderr line, and stops k6 when the signal fires. */
function runProcess (
  binary: string, args: string[], options: RunWithK6Options & { env: Record<string, string> },
): Promise<K6Exit> {
  return new Promise((resolve) => {
    let lastStderr = ''
    let killTimer: NodeJS.Timeout | undefined
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
    createInterface({ input: child.stdout }).on('line', (line) => options.onStdout?.(line))
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim() !== '') lastStderr = line.trim()
    })
    const onAbort = () => {
      child.kill('SIGTERM')
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS)
      killTimer.unref()
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    let settled = false
    const done = (exit: K6Exit) => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener('abort', onAbort)
      clearTimeout(killTimer)
      resolve(exit)
    }
    child.once('error', (err: NodeJS.ErrnoException) => done({ code: null, spawnError: err, lastStderr }))
    child.once('close', (code) => done({ code, lastStderr }))
    child.once('exit', (code) => {
      setTimeout(() => done({ code, lastStderr }), PIPE_DRAIN_MS).unref()
    })
  })
}
