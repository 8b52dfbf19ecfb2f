import type { AlertComparator, AlertCondition, AlertMetric } from '@loadfleet/api'

/** The figures of one finished run that conditions look at; latencies in ms, error rate as a ratio. */
export interface RunFigures {
  id: string
  status: 'passed' | 'failed' | 'error'
  startedAt: number
  p50: number | null
  p95: number | null
  p99: number | null
  avg: number | null
  error_rate: number | null
  rps: number | null
}

/** An open change the detector holds for a site. */
export interface OpenChange { metric: string, relativeChange: number | null, startedAt: number }

export interface ConditionInput {
  condition: AlertCondition
  k: number
  m: number
  /** The site's finished runs, newest first (enough for m plus a baseline). */
  runs: RunFigures[]
  /**
   * The site's baseline runs as the detector and run pages judge against them (pinned, or rolling after the last
   * accepted change), for relative conditions; absent, the passing runs just before the last m stand in.
   */
  baselineRuns?: RunFigures[]
  openChanges: OpenChange[]
  runIntervalMs: number
  /** When the site was last started, or created when it never ran. */
  lastRunOrCreatedAt: number
  now: number
}

/**
 * - `firing`: the condition holds in k of the last m runs (or right now for regression and no_run);
 * - `pending`: it holds in the latest run, not yet in k of m;
 * - `inactive`: neither.
 */
export interface ConditionResult {
  state: 'firing' | 'pending' | 'inactive'
  /** What was observed, for the alert's description. */
  observed: string
}

// A relative condition needs a baseline of at least this many passing runs before the last m runs…
const BASELINE_MIN_RUNS = 3
// …and uses at most this many: the recent normal, not last month's.
const BASELINE_MAX_RUNS = 10

function compare (value: number, op: AlertComparator, limit: number): boolean {
  switch (op) {
    case '>': return value > limit
    case '>=': return value >= limit
    case '<': return value < limit
    case '<=': return value <= limit
  }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

function format (metric: AlertMetric, value: number): string {
  if (metric === 'error_rate') return `${(value * 100).toFixed(2)}%`
  if (metric === 'rps') return `${value.toFixed(1)} req/s`
  return `${value.toFixed(1)} ms`
}

/** k of the last m runs: how many of the window match, and whether the newest does. */
function kOfM (input: ConditionInput, window: RunFigures[], matches: (run: RunFigures) => boolean):
ConditionResult & { count: number } {
  const flags = window.map(matches)
  const count = flags.filter(Boolean).length
  const state = count >= input.k ? 'firing' : flags[0] === true ? 'pending' : 'inactive'
  return { state, observed: `${count} of the last ${window.length} runs`, count }
}

function metricResult (input: ConditionInput, metric: AlertMetric, matches: (value: number) => boolean,
  describe: (latest: number | undefined) => string): ConditionResult {
  const measured = input.runs.filter((run) => run[metric] !== null)
  const window = measured.slice(0, input.m)
  const result = kOfM(input, window, (run) => matches(run[metric] ?? 0))
  return { state: result.state, observed: `${describe(window[0]?.[metric] ?? undefined)} (${result.observed})` }
}

/** Evaluates one rule's condition for one site. Pure: the same runs and time give the same answer. */
export function evaluateCondition (input: ConditionInput): ConditionResult {
  const c = input.condition
  switch (c.kind) {
    case 'failed': {
      const result = kOfM(input, input.runs.slice(0, input.m), (run) => run.status !== 'passed')
      return { state: result.state, observed: `failed or errored in ${result.observed}` }
    }
    case 'threshold':
      return metricResult(input, c.metric, (v) => compare(v, c.op, c.value),
        (latest) => `${c.metric} ${latest === undefined ? 'not measured' : format(c.metric, latest)}, limit ${c.op} ${format(c.metric, c.value)}`)
    case 'relative': {
      const measured = input.runs.filter((run) => run[c.metric] !== null)
      // The runs being judged are not their own baseline.
      const judged = new Set(measured.slice(0, input.m).map((run) => run.id))
      const baselineRuns = input.baselineRuns === undefined
        ? measured.slice(input.m).filter((run) => run.status === 'passed').slice(0, BASELINE_MAX_RUNS)
        : input.baselineRuns.filter((run) => run[c.metric] !== null && !judged.has(run.id))
      if (baselineRuns.length < BASELINE_MIN_RUNS) return { state: 'inactive', observed: 'no baseline yet' }
      const baseline = median(baselineRuns.map((run) => run[c.metric] ?? 0))
      const limit = baseline * (1 + c.ratio)
      return metricResult(input, c.metric, (v) => compare(v, c.op, limit),
        (latest) => `${c.metric} ${latest === undefined ? 'not measured' : format(c.metric, latest)} vs. baseline ` +
          `${format(c.metric, baseline)} (limit ${c.op} ${c.ratio >= 0 ? '+' : ''}${Math.round(c.ratio * 100)}%)`)
    }
    case 'regression': {
      const hits = input.openChanges.filter((change) => c.metrics.length === 0 || c.metrics.includes(change.metric))
      if (hits.length === 0) return { state: 'inactive', observed: 'no open change' }
      return {
        state: 'firing',
        observed: hits.map((h) => `${h.metric} changed${h.relativeChange === null ? '' : ` by ${h.relativeChange >= 0 ? '+' : ''}${Math.round(h.relativeChange * 100)}%`}`).join(', '),
      }
    }
    case 'no_run': {
      const silentMs = input.now - input.lastRunOrCreatedAt
      const limitMs = c.factor * input.runIntervalMs
      return silentMs > limitMs
        ? { state: 'firing', observed: `no run for ${Math.round(silentMs / 1000)} s (limit ${Math.round(limitMs / 1000)} s)` }
        : { state: 'inactive', observed: 'runs arrive' }
    }
  }
}
