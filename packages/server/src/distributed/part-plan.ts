import { evenSequence, formatSegment, formatSequence, parseTestText } from '@loadfleet/core'
import type { ThresholdSpec } from '@loadfleet/core'
import type { TestSourceSpec } from '@loadfleet/api'
import { RequestInvalid, type FieldIssue } from '../errors.js'
import { scriptIssues } from '../target-script-check.js'

/** What the control plane knows of a submitted test before any agent runs it. */
export interface PartPlan {
  /** `0,1/n,…,1`. */
  sequence: string
  /** Each part's segment, in order. */
  segments: string[]
  /** How long the test runs, for the deadline by which every part must have reported. */
  plannedMs: number
  /** A test file's thresholds; a script's are read from the parts' results, as only agents run its init code. */
  thresholds: ThresholdSpec[]
  trendStats: string[]
}

const SCRIPT_RE = /\.m?js$/i
/** A script's length is only known once an agent ran its init code: bounded by what an agent will run at most. */
const SCRIPT_PLANNED_MS = 60 * 60_000
const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']

/**
 * Checks a submitted test (a test file is parsed, a script compiled but never run on the control plane) and splits
 * it into `agents` equal segments. Every problem is a 400 naming `body.test.source` and the line.
 */
export async function planParts (test: TestSourceSpec, agents: number): Promise<PartPlan> {
  const seq = evenSequence(agents)
  const split = { sequence: formatSequence(seq), segments: seq.map(formatSegment) }
  if (SCRIPT_RE.test(test.file)) {
    const issues = await scriptIssues(test.source, 'body.test.source')
    if (issues.length > 0) throw new RequestInvalid({ issues })
    return { ...split, plannedMs: SCRIPT_PLANNED_MS, thresholds: [], trendStats: DEFAULT_TREND_STATS }
  }
  const parsed = parseTestText(test.source, { file: test.file })
  if (parsed.value === undefined) {
    const issues: FieldIssue[] = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => ({
      path: 'body.test.source',
      message: `${d.line === undefined ? '' : `line ${d.line}: `}${d.path === '' ? '' : `${d.path}: `}${d.message}`,
      ...(d.line === undefined ? {} : { line: d.line }),
    }))
    throw new RequestInvalid({ issues })
  }
  const { plannedTestMs } = await import('@loadfleet/engine')
  const spec = parsed.value
  return {
    ...split,
    plannedMs: plannedTestMs(spec.scenarios) + Math.max(0, ...spec.scenarios.map((s) => s.gracefulStopMs)),
    thresholds: spec.thresholds,
    trendStats: spec.summaryTrendStats,
  }
}
