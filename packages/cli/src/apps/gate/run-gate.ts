import {
  combineVerdict, effectiveApp, gateOrder, judgeCriteria, resolveFromManifest, skipReason, testStatus,
  type AppNode, type AppTree, type EffectiveApp, type EffectiveTest, type GateStatus,
} from '@loadfleet/core'
import {
  GATE_EVIDENCE_KIND, type GateAppEvidence, type GateBaseline, type GateEvidence, type GateTestEvidence,
} from '@loadfleet/api'
import type { GateRunProgress, GateTestRunner } from './test-runner.js'

/** The previous passing gate of the app, whose figures relative criteria are compared with. */
export interface LoadedBaseline {
  meta: GateBaseline
  evidence: GateEvidence
}

/** Who ran a gate, as the evidence records it. */
export interface GateIdentity {
  user: string
  host: string
  /** The CI system's user or pipeline, when known. */
  ci: string | null
}

/** Told as a gate goes, for live progress or log lines. */
export interface GateReporter {
  appStart: (app: EffectiveApp, tests: readonly EffectiveTest[]) => void
  appSkipped: (app: EffectiveApp, reason: string) => void
  testStart: (app: EffectiveApp, test: EffectiveTest) => void
  testProgress: (app: EffectiveApp, test: EffectiveTest, progress: GateRunProgress) => void
  testDone: (app: EffectiveApp, test: GateTestEvidence) => void
  appDone: (app: GateAppEvidence) => void
}

/** Options of `runGate`. */
export interface RunGateOptions {
  tree: AppTree
  root: AppNode
  runner: GateTestRunner
  mode: 'local' | 'fleet'
  revision: string | null
  baseline: LoadedBaseline | undefined
  identity: GateIdentity
  signal: AbortSignal
  reporter: GateReporter
}

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

/**
 * Runs the gate tests of an app and its descendants one app at a time, children in dependency order; an app whose
 * dependency (with its subtree) did not pass, or whose parent was skipped, is skipped with its tests.
 */
export async function runGate (options: RunGateOptions): Promise<GateEvidence> {
  const startedAt = Date.now()
  const own = new Map<string, GateStatus>()
  const subtree = new Map<string, GateStatus>()
  const apps: GateAppEvidence[] = []
  const order = gateOrder(options.root)
  for (const node of order) {
    const app = effectiveApp(node, resolveFromManifest)
    const tests = gateTestsOf(app)
    const reason = skipReason(node, options.root, { own, subtree })
    const evidence = reason === undefined
      ? await runApp(app, tests, options)
      : skippedApp(app, tests, reason, options.reporter)
    own.set(app.name, evidence.status)
    apps.push(evidence)
    options.reporter.appDone(evidence)
    // Every ancestor's subtree now includes this app; the app's own is final once its last descendant has run.
    for (let n: AppNode | undefined = node; n !== undefined; n = n.parent) {
      subtree.set(n.name, combineStatus([subtree.get(n.name) ?? 'pass', evidence.status]))
    }
  }
  return {
    kind: GATE_EVIDENCE_KIND, app: options.root.name, revision: options.revision,
    verdict: combineVerdict(apps.map((a) => a.status)), mode: options.mode,
    startedAt: new Date(startedAt).toISOString(), finishedAt: new Date().toISOString(), identity: options.identity,
    order: order.map((n) => n.name), apps, baseline: options.baseline?.meta ?? null,
  }
}

/** Like `combineVerdict`, but a skip stays a skip so dependants can say why they were skipped. */
function combineStatus (statuses: GateStatus[]): GateStatus {
  return statuses.includes('skipped') && !statuses.includes('fail') ? 'skipped' : combineVerdict(statuses)
}

/** The tests `spec.gate.tests` names, or every test of the app. */
export function gateTestsOf (app: EffectiveApp): EffectiveTest[] {
  const names = app.gate?.tests
  return names === undefined ? app.tests : app.tests.filter((t) => names.includes(t.name))
}

async function runApp (app: EffectiveApp, tests: EffectiveTest[], options: RunGateOptions): Promise<GateAppEvidence> {
  const started = Date.now()
  options.reporter.appStart(app, tests)
  const results: GateTestEvidence[] = []
  for (const test of tests) {
    options.reporter.testStart(app, test)
    const run = await options.runner({
      app, test, signal: options.signal, onProgress: (p) => options.reporter.testProgress(app, test, p),
    })
    const baseline = options.baseline?.evidence.apps.find((a) => a.name === app.name)?.tests
      .find((t) => t.name === test.name)?.metrics
    const errored = run.errorMessage !== undefined
    const criteria = errored ? [] : judgeCriteria(app.gate?.criteria, run.metrics, baseline)
    const status = testStatus({ runError: errored, thresholdsOk: run.thresholds.every((t) => t.ok), criteria })
    const evidence: GateTestEvidence = {
      name: test.name, kind: test.kind, location: test.location.value, status,
      reason: errored ? `could not run: ${run.errorMessage ?? ''}` : null,
      runner: run.runner, runId: run.runId, startedAt: iso(run.startedAt), finishedAt: iso(run.finishedAt),
      metrics: run.metrics, thresholds: run.thresholds, criteria, errorMessage: run.errorMessage ?? null,
    }
    results.push(evidence)
    options.reporter.testDone(app, evidence)
  }
  return {
    ...appBase(app), status: combineVerdict(results.map((t) => t.status)), reason: null,
    startedAt: iso(started), finishedAt: iso(Date.now()), tests: results,
  }
}

function skippedApp (app: EffectiveApp, tests: EffectiveTest[], reason: string, reporter: GateReporter):
GateAppEvidence {
  reporter.appSkipped(app, reason)
  return {
    ...appBase(app), status: 'skipped', reason, startedAt: null, finishedAt: null,
    tests: tests.map((test) => ({
      name: test.name, kind: test.kind, location: test.location.value, status: 'skipped', reason,
      runner: null, runId: null, startedAt: null, finishedAt: null, metrics: {}, thresholds: [], criteria: [],
      errorMessage: null,
    })),
  }
}

function appBase (app: EffectiveApp): Pick<GateAppEvidence, 'name' | 'parent' | 'file' | 'dependsOn' | 'settings'> {
  const { name, parent, file, dependsOn, ...settings } = app
  return { name, parent, file, dependsOn, settings: { ...settings } }
}
