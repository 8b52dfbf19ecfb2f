import type { AppNode } from './load-app-tree.js'
import type { CriterionResult } from './gate-criteria.js'
import { dependencyOrder } from './tree-checks.js'

/**
 * A gate's verdict: `pass` and `warn` let the deploy through (exit 0), `fail` stops it (99), `inconclusive` could not
 * tell (103).
 */
export type GateVerdict = 'pass' | 'warn' | 'fail' | 'inconclusive'
/** What became of one app or test in a gate: a verdict, or `skipped` because what it depends on did not pass. */
export type GateStatus = GateVerdict | 'skipped'

/** Worst first: one failing test fails the gate whatever else happened. */
const SEVERITY: Record<GateStatus, number> = { fail: 4, inconclusive: 3, skipped: 2, warn: 1, pass: 0 }

/**
 * The apps a gate of `node` covers, in the order they run: the app, then each child's subtree, children in
 * dependency order.
 */
export function gateOrder (node: AppNode): AppNode[] {
  return [node, ...dependencyOrder(node).flatMap(gateOrder)]
}

/** The verdict of several outcomes: any fail fails; else anything that could not run or was skipped is inconclusive. */
export function combineVerdict (statuses: Iterable<GateStatus>): GateVerdict {
  let worst: GateStatus = 'pass'
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s
  return worst === 'skipped' ? 'inconclusive' : worst
}

/** What a test's run and criteria make of it. */
export interface TestJudgement {
  /** The run could not be carried out (target unreachable, script error…). */
  runError: boolean
  /** Every threshold of the run held. */
  thresholdsOk: boolean
  criteria: readonly CriterionResult[]
}

/**
 * A test's status: `inconclusive` when its run broke or a criterion's figure is missing, `fail` when a threshold or
 * criterion does not hold, `warn` when a relative criterion had no baseline yet, `pass` otherwise.
 */
export function testStatus (j: TestJudgement): GateVerdict {
  if (j.runError) return 'inconclusive'
  if (!j.thresholdsOk || j.criteria.some((c) => c.status === 'fail')) return 'fail'
  if (j.criteria.some((c) => c.status === 'no-value')) return 'inconclusive'
  if (j.criteria.some((c) => c.status === 'no-baseline')) return 'warn'
  return 'pass'
}

/** Statuses of the apps gated so far: each app's own, and its subtree's (the app with everything below it). */
export interface GateProgress {
  own: ReadonlyMap<string, GateStatus>
  subtree: ReadonlyMap<string, GateStatus>
}

/**
 * Why `node` must not run in a gate of `root`, given the apps gated so far; undefined when it may. A child runs
 * only when each app it depends on passed or warned together with its own children (they all come earlier in
 * `gateOrder`), and when its parent was not skipped.
 */
export function skipReason (node: AppNode, root: AppNode, progress: GateProgress): string | undefined {
  if (node === root) return undefined
  const parent = node.parent
  if (parent !== undefined && progress.own.get(parent.name) === 'skipped') return `its parent '${parent.name}' was skipped`
  for (const dep of node.manifest.spec.dependsOn ?? []) {
    const status = progress.subtree.get(dep)
    if (status !== undefined && status !== 'pass' && status !== 'warn') {
      const what = status === 'skipped' ? 'was skipped' : status === 'fail' ? 'failed' : 'was inconclusive'
      return `it depends on '${dep}', which ${what}`
    }
  }
  return undefined
}
