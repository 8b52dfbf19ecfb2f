import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { RunFinish } from '@loadfleet/api/client'
import { runMetricsOf, type RunMetrics, type RunResult, type TestSpec } from '@loadfleet/core/base'
import type * as Engine from '@loadfleet/engine'
import { errorText } from './logger.js'

export interface ExecuteOptions {
  spec: TestSpec
  signal: AbortSignal
  /** K6_BINARY; used only when the file exists. */
  k6Binary: string | undefined
  tmpDir: string
  /** Names k6's script and summary files (`summary-<runId>.json`), as in the operations guide. */
  runId: string
  /** The egress check the built-in engine applies to every connection. */
  egress?: Engine.EgressCheck | undefined
}

// Loaded on first run, not at start: an idle agent stays small.
let engine: Promise<typeof Engine> | undefined

/** Which engine a run goes through: k6 when K6_BINARY is set and present, the built-in one otherwise. */
export function engineFor (k6Binary: string | undefined, path = process.env.PATH ?? ''): 'k6' | 'loadfleet' {
  if (k6Binary === undefined || k6Binary === '') return 'loadfleet'
  // A bare command name ("k6") is looked up on PATH, as spawn would.
  const present = k6Binary.includes('/')
    ? existsSync(k6Binary)
    : path.split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, k6Binary)))
  return present ? 'k6' : 'loadfleet'
}

/** Runs one test and turns its outcome (or its failure) into the result the control plane stores. */
export async function executeRun (options: ExecuteOptions): Promise<{ finish: RunFinish, result?: RunResult }> {
  try {
    engine ??= import('@loadfleet/engine')
    const { runTest, runWithK6 } = await engine
    const { spec, signal, k6Binary, tmpDir, runId } = options
    const result = k6Binary !== undefined && engineFor(k6Binary) === 'k6'
      ? await runWithK6(spec, { k6Binary, tmpDir, signal, runId })
      : await runTest(spec, { signal, egress: options.egress })
    return { finish: finishOf(result), result }
  } catch (err) {
    return { finish: { status: 'error', finishedAt: new Date().toISOString(), errorMessage: clip(errorText(err)) } }
  }
}

/** passed/failed/error from the engine's verdict, with the guide's metrics and the whole result as summary. */
export function finishOf (result: RunResult): RunFinish {
  return {
    status: result.outcome,
    finishedAt: new Date(result.finishedAt).toISOString(),
    errorMessage: result.outcome === 'error' ? clip(result.errorMessage ?? 'the run could not complete') : null,
    metrics: sane(runMetricsOf(result), anySucceeded(result)),
    summary: result as unknown as Record<string, unknown>,
  }
}

// k6's Rate metric counts failed requests as `passes`, successful ones as `fails`.
function anySucceeded (result: RunResult): boolean {
  return (result.metrics.http_req_failed?.values.fails ?? 0) > 0
}

// The wire schema bounds every figure (≥ 0, error_rate ≤ 1, integer iterations); an empty run yields NaN-free zeros.
// With no successful request there is no latency to report: the latency figures are null, not 0 ms.
function sane (m: RunMetrics, succeeded: boolean): NonNullable<RunFinish['metrics']> {
  const num = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0)
  const latency = (v: number): number | null => (succeeded ? num(v) : null)
  return {
    p50_ms: latency(m.p50_ms),
    p95_ms: latency(m.p95_ms),
    p99_ms: latency(m.p99_ms),
    avg_ms: latency(m.avg_ms),
    error_rate: Math.min(1, num(m.error_rate)),
    rps: num(m.rps),
    data_received_bytes: num(m.data_received_bytes),
    iterations: Math.round(num(m.iterations)),
  }
}

const ERROR_MESSAGE_MAX_CHARS = 4000 // the wire limit

function clip (text: string): string {
  return text.length > ERROR_MESSAGE_MAX_CHARS ? text.slice(0, ERROR_MESSAGE_MAX_CHARS) : text
}
