import { formatMetricSelector, parseMetricSelector } from '@loadfleet/core'
import type { ExecutionTuple, MetricSummary, RunResult, TestSpec, ThresholdVerdict } from '@loadfleet/core'
import { createHttpClient, type EgressCheck } from './http/index.js'
import { compileThresholds, evaluateThresholds, statsReferenced } from './thresholds/index.js'
import type { CompiledThreshold, MetricSource } from './thresholds/index.js'
import { MetricsRegistry, initHistograms } from './metrics/index.js'
import { RunContext, partOf, plannedTestMs, plannedVus, runScenario } from './executors/index.js'
import type { ScenarioPart } from './executors/index.js'
import { prepareSteps } from './vu/steps.js'
import type { VirtualUser, VuShared } from './vu/vu.js'
import { ProgressMeter } from './progress/index.js'
import type { RunProgress } from './progress/index.js'

/** Options of `runTest`. */
export interface RunTestOptions {
  /** Aborting it stops the test at once (running iterations are interrupted); the result has `abortedBy: 'signal'`. */
  signal?: AbortSignal
  /** Called every `progressIntervalMs` while the test runs. */
  onProgress?: (progress: RunProgress) => void
  progressIntervalMs?: number
  /** Refuses connections the egress policy denies, checked once per connection after DNS resolution. */
  egress?: EgressCheck | undefined
  /** A script's part in the run: its VUs, its setup and teardown. */
  hooks?: RunHooks
  /**
   * Runs only this part of the test (k6's `--execution-segment` within its sequence): its share of every scenario's
   * VUs and iterations, with the global VU and iteration numbers of its stripe. Absent: the whole test.
   */
  segment?: ExecutionTuple | undefined
}

/** How a script takes over a run's VUs and adds its lifecycle around the scenarios. */
export interface RunHooks {
  createVu: (part: ScenarioPart, shared: VuShared, onInterrupted: () => void) => VirtualUser
  /** Before the test clock starts (k6's setup); `abort` stops the run as `test.abort()` does. A throw is an error. */
  beforeStart?: (metrics: MetricsRegistry, abort: () => void) => Promise<void>
  /** After the last scenario (k6's teardown). */
  afterEnd?: () => Promise<void>
}

/** k6 evaluates thresholds for abortOnFail once a second. */
const THRESHOLD_EVAL_MS = 1000
const DEFAULT_PROGRESS_MS = 1000

/**
 * Runs a load test with the built-in engine and returns its result. Never rejects: a test that cannot run comes
 * back with outcome `error` and its reason. Trend percentiles are HdrHistogram's: the value at or below which that
 * share of samples lie (reported as its bucket's highest equivalent value, at most 0.1 % above); k6 instead
 * interpolates between the two nearest samples, so on few samples the two can differ by up to one sample gap.
 */
export async function runTest (spec: TestSpec, options: RunTestOptions = {}): Promise<RunResult> {
  const startedAt = Date.now()
  let metrics: MetricsRegistry | undefined
  try {
    await initHistograms()
    const selectors = statsReferenced(spec.thresholds)
      .filter((ref) => Object.keys(ref.tags).length > 0)
      .map((ref) => formatMetricSelector(ref))
    metrics = new MetricsRegistry(selectors)
    return await execute(spec, metrics, startedAt, options)
  } catch (err) {
    const finishedAt = Date.now()
    return {
      engine: 'loadfleet', outcome: 'error', startedAt, finishedAt, durationMs: finishedAt - startedAt,
      metrics: {}, thresholds: [], statusCodes: {}, errorKinds: {},
      errorMessage: err instanceof Error ? err.message : String(err),
    }
  } finally {
    metrics?.destroy()
  }
}

async function execute (spec: TestSpec, metrics: MetricsRegistry, startedAt: number, options: RunTestOptions):
Promise<RunResult> {
  const { hooks } = options
  let abortedBy: RunResult['abortedBy']
  // The script may abort during setup, before the run context exists.
  const running: { ctx?: RunContext } = {}
  const stop = (by: NonNullable<RunResult['abortedBy']>): void => {
    abortedBy ??= by
    running.ctx?.stop()
  }
  await hooks?.beforeStart?.(metrics, () => stop('script'))
  const parts = spec.scenarios.map((s) => partOf(s, options.segment))
    .filter((p): p is ScenarioPart => p !== undefined)
  const shared = new Map(parts.map((p) => {
    const one = sharedFor(spec, metrics, p.scenario.name, options.egress)
    if (hooks !== undefined) one.createVu = (onInterrupted) => hooks.createVu(p, one, onInterrupted)
    return [p.scenario.name, one]
  }))
  const compiled = compileThresholds(spec.thresholds)
  const ctx = new RunContext(metrics)
  running.ctx = ctx
  if (abortedBy !== undefined) ctx.stop()
  // As k6, every VU a scenario plans is initialised before the start, so vus_max is the full count from the start.
  ctx.reserveVus(plannedVus(parts))
  const onSignal = (): void => stop('signal')
  if (options.signal?.aborted === true) onSignal()
  options.signal?.addEventListener('abort', onSignal)
  const monitor = startMonitor({ ctx, spec, compiled, options, onThresholdAbort: () => stop('threshold') })
  try {
    await Promise.all(parts.map(async (p) => runScenario(ctx, p, shared.get(p.scenario.name) as VuShared)))
  } finally {
    monitor.stop()
    options.signal?.removeEventListener('abort', onSignal)
    ctx.stop()
  }
  const durationMs = ctx.elapsedMs()
  if (options.signal?.aborted !== true) await hooks?.afterEnd?.()
  const thresholds = evaluateThresholds(compiled, sourceOf(metrics, durationMs))
  const result: RunResult = {
    engine: 'loadfleet',
    outcome: thresholds.every((t) => t.ok) ? 'passed' : 'failed',
    startedAt,
    finishedAt: startedAt + Math.round(durationMs),
    durationMs,
    metrics: withVerdicts(metrics.summaries(spec.summaryTrendStats, durationMs), thresholds),
    thresholds,
    statusCodes: metrics.statusCodes(),
    errorKinds: metrics.errorKinds(),
    histograms: metrics.histograms(),
  }
  const checks = metrics.checkResults()
  if (checks.length > 0) result.checks = checks
  const groups = metrics.groups()
  if (groups.length > 0) result.groups = groups
  if (abortedBy !== undefined) result.abortedBy = abortedBy
  result.interruptedIterations = ctx.interruptedIterations
  return result
}

function sharedFor (spec: TestSpec, metrics: MetricsRegistry, scenario: string, egress: EgressCheck | undefined):
VuShared {
  const clientOptions = { insecureSkipTLSVerify: spec.insecureSkipTLSVerify, userAgent: spec.userAgent, egress }
  return {
    metrics,
    steps: prepareSteps(spec.requests, { scenario, maxRedirects: spec.maxRedirects, metrics }),
    sleepMs: spec.sleepMs,
    createClient: (onSample) => createHttpClient({ ...clientOptions, onSample }),
  }
}

/** The registry as thresholds read it. */
function sourceOf (metrics: MetricsRegistry, durationMs: number): MetricSource {
  return {
    stat: (metric, tags, stat) => metrics.statValue(formatMetricSelector({ metric, tags }), stat, durationMs),
  }
}

/** Puts each verdict on its metric's summary, as k6's `handleSummary` data does (`ok: true` = passed). */
function withVerdicts (summaries: Record<string, MetricSummary>, verdicts: readonly ThresholdVerdict[]):
Record<string, MetricSummary> {
  for (const v of verdicts) {
    const selector = parseMetricSelector(v.metric).value
    const summary = summaries[selector === undefined ? v.metric : formatMetricSelector(selector)]
    if (summary === undefined) continue
    summary.thresholds ??= {}
    summary.thresholds[v.expression] = { ok: v.ok }
  }
  return summaries
}

interface MonitorOptions {
  ctx: RunContext
  spec: TestSpec
  compiled: CompiledThreshold[]
  options: RunTestOptions
  onThresholdAbort: () => void
}

/** Timers that sample the VU gauges, report progress and evaluate abortOnFail thresholds while the test runs. */
function startMonitor ({ ctx, spec, compiled, options, onThresholdAbort }: MonitorOptions): { stop: () => void } {
  const { metrics } = ctx
  const meter = new ProgressMeter(ctx, plannedTestMs(spec.scenarios))
  const abortable = compiled.filter((c) => c.spec.abortOnFail)
  const sampleVus = (): void => metrics.sampleVus(ctx.active, ctx.vusMax)
  // VUs are created right after the start; the first gauge sample waits for them.
  const first = setTimeout(sampleVus, 0)
  const evalTimer = setInterval(() => {
    sampleVus()
    const elapsedMs = ctx.elapsedMs()
    const due = abortable.filter((c) => elapsedMs >= c.spec.delayAbortEvalMs)
    if (due.length === 0) return
    const verdicts = evaluateThresholds(due, sourceOf(metrics, elapsedMs))
    if (verdicts.some((v) => !v.ok)) onThresholdAbort()
  }, THRESHOLD_EVAL_MS)
  const onProgress = options.onProgress
  const progressTimer = onProgress === undefined
    ? undefined
    : setInterval(() => onProgress(meter.snapshot()), options.progressIntervalMs ?? DEFAULT_PROGRESS_MS)
  return {
    stop: () => {
      clearTimeout(first)
      clearInterval(evalTimer)
      clearInterval(progressTimer)
    },
  }
}
