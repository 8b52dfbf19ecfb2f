import type { Diagnostic, ParseResult, RunResult, TestSpec } from '@loadfleet/core'
import { createHttpClient } from '../http/index.js'
import type { HttpSample } from '../http/index.js'
import type { EgressCheck } from '../http/types.js'
import { runTest } from '../run-test.js'
import type { RunTestOptions } from '../run-test.js'
import { errorLine, loadScript } from './load-script.js'
import type { LoadedScript, ReadSource } from './load-script.js'
import { ScriptInstance } from './script-instance.js'
import { planScript } from './script-options.js'
import type { ScriptOverrides, ScriptPlan } from './script-options.js'
import { ScriptVu } from './script-vu.js'
import type { ScriptScenario } from './script-vu.js'
import { ScriptFailure, ScriptVuState, TestAborted } from './runtime/vu-state.js'
import type { ScriptRunState } from './runtime/vu-state.js'
import type { ExecutionStats } from './runtime/k6-core.js'
import { summaryDataOf } from './summary-data.js'

/** k6's defaults for requests a script makes. */
const DEFAULT_TIMEOUT_MS = 60_000
const EXPECTED_MIN = 200
const EXPECTED_MAX = 399

/** A script compiled, its init code run once and its options merged: ready to run. */
export interface PreparedScript {
  script: LoadedScript
  plan: ScriptPlan
  /** Display name of the entry file (as given), used in error lines. */
  file: string
  env: Record<string, string>
  has: { setup: boolean, teardown: boolean, handleSummary: boolean }
}

/** Options of `prepareScript`. */
export interface PrepareScriptOptions {
  /** `__ENV`: the process environment plus `-e KEY=VALUE`, as k6 builds it. */
  env?: Record<string, string>
  overrides?: ScriptOverrides
  /** Reads module sources; defaults to the file system. */
  read?: ReadSource
}

/** How a script run ended beyond its result: the script's own errors, `test.abort()` and handleSummary's outputs. */
export interface ScriptRunOutcome {
  result: RunResult
  spec: TestSpec
  /** `test.abort()` was called, with its reason. */
  aborted?: string
  /** setup() or teardown() threw (k6 exit code 107). */
  scriptError?: string
  /** handleSummary's return value: `stdout`, `stderr` or a file path → content. Undefined without handleSummary. */
  summaryOutputs?: Record<string, string>
}

/** Options of `runScript`. */
export interface RunScriptOptions extends Omit<RunTestOptions, 'hooks'> {
  /** One line per exception a script throws in an iteration (`file:line: error: message`). */
  onScriptError?: (line: string) => void
}

/** Exceptions reported per run at most; past it they are only counted, so a failing script cannot flood the log. */
const MAX_REPORTED_ERRORS = 100

/**
 * Loads a k6 script, runs its init code once to read its options (as k6 does), and merges them with the
 * overrides. Compile problems, unsupported imports and init exceptions come back as diagnostics.
 */
export async function prepareScript (file: string, options: PrepareScriptOptions = {}):
Promise<ParseResult<PreparedScript>> {
  const loaded = await loadScript(file, options.read)
  if (loaded.value === undefined) return { diagnostics: loaded.diagnostics }
  const script = loaded.value
  const env = options.env ?? {}
  const run = newRunState(env, {})
  const probe = new ScriptInstance(script, new ScriptVuState(run, 0), noStats())
  let exported: Record<string, unknown>
  try {
    exported = await probe.init()
  } catch (err) {
    return { diagnostics: [initDiagnostic(err, script, file)] }
  }
  const planned = planScript(exported.options, options.overrides ?? {}, file)
  if (planned.value === undefined) return { diagnostics: planned.diagnostics }
  const plan = planned.value
  const missing: Diagnostic[] = []
  for (const [name, sc] of plan.scenarios) {
    if (typeof exported[sc.exec] !== 'function') {
      missing.push({ severity: 'error', code: 'LF_SCRIPT_INVALID', file, path: `options.scenarios.${name}.exec`,
        message: sc.exec === 'default' ? 'the script has no default export function to run' : `the script exports no function '${sc.exec}'` })
    }
  }
  if (missing.length > 0) return { diagnostics: missing }
  const has = {
    setup: typeof exported.setup === 'function',
    teardown: typeof exported.teardown === 'function',
    handleSummary: typeof exported.handleSummary === 'function',
  }
  return { value: { script, plan, file, env, has }, diagnostics: [] }
}

function initDiagnostic (err: unknown, script: LoadedScript, file: string): Diagnostic {
  const at = locate(err, script)
  return { severity: 'error', code: 'LF_SCRIPT_INIT', file: at?.file ?? file, path: '',
    ...(at === undefined ? {} : { line: at.line }), message: `exception in the init code: ${messageOf(err)}` }
}

function newRunState (env: Record<string, string>, options: Record<string, unknown>, plan?: ScriptPlan,
  egress?: EgressCheck): ScriptRunState {
  const spec = plan?.spec
  return {
    env,
    metrics: undefined,
    sharedArrays: new Map(),
    opened: new Map(),
    plainSpecs: new Map(),
    createClient: (onSample: (s: HttpSample) => void) => createHttpClient({
      insecureSkipTLSVerify: spec?.insecureSkipTLSVerify ?? false,
      userAgent: spec?.userAgent ?? 'k6',
      // A script's requests pass the same egress policy as a plain test's, redirects included.
      egress,
      onSample,
    }),
    abort: () => undefined,
    options,
    startedAt: 0,
    defaultExpected: (s) => s >= EXPECTED_MIN && s <= EXPECTED_MAX,
    maxRedirects: spec?.maxRedirects ?? 10,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    discardResponseBodies: plan?.discardResponseBodies ?? false,
  }
}

function noStats (): ExecutionStats {
  return { vusActive: () => 0, vusInitialized: () => 0 }
}

/** Runs a prepared script on the built-in engine: setup, the scenarios, teardown, then handleSummary. */
export async function runScript (prepared: PreparedScript, options: RunScriptOptions = {}): Promise<ScriptRunOutcome> {
  const { script, plan } = prepared
  const run = newRunState(prepared.env, plan.options, plan, options.egress)
  const outcome: Partial<ScriptRunOutcome> = {}
  let reported = 0
  const report = (err: unknown): void => {
    if (++reported > MAX_REPORTED_ERRORS) return
    options.onScriptError?.(errorText(err, script, prepared.file))
  }
  const scenarios = new Map<string, ScriptScenario>()
  for (const [name, sc] of plan.scenarios) {
    scenarios.set(name, { name, ...sc, iterations: 0, iterationNumber: (k) => k })
  }
  let vuIds = 0
  let active = 0
  const stats: ExecutionStats = {
    vusActive: () => active,
    vusInitialized: () => vuIds,
  }
  let setupJson = 'null'
  let lifecycle: ScriptInstance | undefined
  const lifecycleInstance = async (): Promise<Record<string, unknown>> => {
    lifecycle ??= new ScriptInstance(script, new ScriptVuState(run, 0), stats)
    return lifecycle.init()
  }
  const result = await runTest(plan.spec, {
    ...options,
    hooks: {
      beforeStart: async (metrics, abort) => {
        run.metrics = metrics
        run.abort = (reason) => {
          outcome.aborted ??= reason
          abort()
        }
        if (prepared.has.setup) {
          const exported = await lifecycleInstance()
          const data = await callLifecycle(exported, 'setup', [], outcome, script, prepared.file)
          setupJson = JSON.stringify(data ?? null) ?? 'null'
        }
        run.startedAt = Date.now()
      },
      createVu: (part, _shared, onInterrupted) => {
        active++
        const name = part.scenario.name
        const sc = scenarios.get(name) ?? { name, exec: 'default', env: {}, tags: {}, iterations: 0, iterationNumber: (k) => k }
        sc.iterationNumber = part.iterationNumber
        const setupData = (): string => setupJson
        const idInInstance = ++vuIds
        // A part of a segmented test numbers its VUs by its stripe, so __VU is unique across the parts.
        const id = options.segment === undefined ? idInInstance : options.segment.globalIndex(idInInstance - 1) + 1
        return new ScriptVu({
          script, run, id, idInInstance, scenario: sc, stats, setupJson: setupData, onInterrupted, report,
        })
      },
      afterEnd: async () => {
        if (!prepared.has.teardown || outcome.scriptError !== undefined) return
        const exported = await lifecycleInstance()
        await callLifecycle(exported, 'teardown', [JSON.parse(setupJson)], outcome, script, prepared.file)
      },
    },
  })
  if (reported > MAX_REPORTED_ERRORS) {
    options.onScriptError?.(`${prepared.file}: ${reported - MAX_REPORTED_ERRORS} more exceptions were not shown`)
  }
  if (outcome.scriptError !== undefined && result.outcome === 'error') result.errorMessage = outcome.scriptError
  if (outcome.aborted !== undefined) result.abortedBy = 'script'
  const done: ScriptRunOutcome = { result, spec: plan.spec, ...outcome }
  if (prepared.has.handleSummary && result.outcome !== 'error') {
    const exported = await lifecycleInstance()
    const data = summaryDataOf(result, plan.spec.summaryTrendStats)
    const returned = await callLifecycle(exported, 'handleSummary', [data], done, script, prepared.file)
    done.summaryOutputs = {}
    if (typeof returned === 'object' && returned !== null) {
      for (const [k, v] of Object.entries(returned)) done.summaryOutputs[k] = typeof v === 'string' ? v : JSON.stringify(v)
    }
  }
  return done
}

/** Calls setup, teardown or handleSummary; an exception is the script's error (exit 107), not the engine's. */
async function callLifecycle (exported: Record<string, unknown>, name: string, args: unknown[],
  outcome: Partial<ScriptRunOutcome>, script: LoadedScript, file: string): Promise<unknown> {
  try {
    return await (exported[name] as (...a: unknown[]) => unknown)(...args)
  } catch (err) {
    if (err instanceof TestAborted) return undefined
    outcome.scriptError ??= `${name}() failed: ${errorText(err, script, file)}`
    if (name === 'setup') throw new Error(outcome.scriptError, { cause: err })
    return undefined
  }
}

/** Where in the script an exception was thrown: the first stack frame in one of its modules. */
function locate (err: unknown, script: LoadedScript): { file: string, line: number } | undefined {
  const frames = ((err as Error | undefined)?.stack ?? '').split('\n')
  for (const frame of frames) {
    for (const { display } of script.modules.values()) {
      const line = errorLine({ stack: frame }, display)
      if (line !== undefined) return { file: display, line }
    }
  }
  return undefined
}

function messageOf (err: unknown): string {
  if (err instanceof ScriptFailure) return err.message
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}

/** `file:line: error: message`, the one line an exception in a script is reported as. */
function errorText (err: unknown, script: LoadedScript, file: string): string {
  const at = locate(err, script)
  return `${at === undefined ? file : `${at.file}:${at.line}`}: error: ${messageOf(err)}`
}
