import type { EffectiveApp, EffectiveTest, GateMetrics } from '@loadfleet/core'

/** One threshold of a gate run, with the value it was held to when known. */
export interface GateThreshold {
  metric: string
  expression: string
  ok: boolean
  /** The observed figure the expression tested (ms for latencies); null when not known. */
  observed: number | null
}

/** What one run of a gate test measured. */
export interface GateRunOutcome {
  runner: 'local' | 'fleet'
  runId: string | null
  startedAt: number
  finishedAt: number
  metrics: GateMetrics
  thresholds: GateThreshold[]
  /** Set when the run could not be carried out; its figures are then not judged. */
  errorMessage?: string
}

/** Live figures of a running test, for the progress line. */
export interface GateRunProgress {
  elapsedMs: number
  totalMs: number
  rps: number
  p95Ms: number
  errorRate: number
}

/** Options of a `GateTestRunner`. */
export interface GateTestRunOptions {
  app: EffectiveApp
  test: EffectiveTest
  signal: AbortSignal
  onProgress?: (progress: GateRunProgress) => void
}

/** Runs one test of a gate somewhere (this machine, or the fleet) and answers what it measured; never rejects. */
export type GateTestRunner = (options: GateTestRunOptions) => Promise<GateRunOutcome>
