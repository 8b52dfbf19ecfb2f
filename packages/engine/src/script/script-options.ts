import {
  formatMetricSelector, parseMetricSelector, parseTestObject, parseThreshold,
} from '@loadfleet/core'
import type { Diagnostic, ParseResult, TestSpec, ThresholdSpec } from '@loadfleet/core'
import { parseDurationMs } from '@loadfleet/core'

/** The k6 options the built-in engine acts on; other k6 options are accepted and ignored. */
const SPEC_KEYS = ['vus', 'duration', 'iterations', 'stages', 'scenarios', 'insecureSkipTLSVerify', 'maxRedirects',
  'userAgent', 'summaryTrendStats']
/** Scenario keys the script runner takes itself; the rest go to the executor schema. */
const SCENARIO_SCRIPT_KEYS = ['exec', 'env', 'tags']
/** A URL the spec parser requires; a script's requests are its own. */
const PLACEHOLDER_URL = 'http://localhost/'

/** Options given on the command line, which win over the script's `options` as in k6. */
export interface ScriptOverrides {
  vus?: number
  duration?: string
  iterations?: number
}

/** A script's options made ready: the engine's spec, each scenario's exec/env/tags, and options the runtime reads. */
export interface ScriptPlan {
  spec: TestSpec
  scenarios: Map<string, { exec: string, env: Record<string, string>, tags: Record<string, string> }>
  discardResponseBodies: boolean
  /** The options as merged, for `k6/execution`'s `test.options`. */
  options: Record<string, unknown>
}

/**
 * Merges the script's `options` export with the command line (k6's order: script, then flags; a duration,
 * iterations or stages given on the command line replace the script's scenarios) and checks them.
 */
export function planScript (exported: unknown, overrides: ScriptOverrides, file: string): ParseResult<ScriptPlan> {
  const options: Record<string, unknown> = { ...(typeof exported === 'object' && exported !== null ? exported : {}) }
  if (overrides.duration !== undefined || overrides.iterations !== undefined) delete options.scenarios
  if (overrides.duration !== undefined || overrides.iterations !== undefined) delete options.stages
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) options[k] = v
  const diagnostics: Diagnostic[] = []
  const problem = (path: string, message: string): void => {
    diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_INVALID', file, path, message })
  }
  const forSpec: Record<string, unknown> = {}
  for (const key of SPEC_KEYS) if (options[key] !== undefined) forSpec[key] = options[key]
  const scenarios = new Map<string, { exec: string, env: Record<string, string>, tags: Record<string, string> }>()
  if (typeof options.scenarios === 'object' && options.scenarios !== null) {
    const stripped: Record<string, unknown> = {}
    for (const [name, sc] of Object.entries(options.scenarios as Record<string, Record<string, unknown>>)) {
      const rest: Record<string, unknown> = { ...sc }
      for (const key of SCENARIO_SCRIPT_KEYS) delete rest[key]
      stripped[name] = rest
      scenarios.set(name, {
        exec: typeof sc.exec === 'string' ? sc.exec : 'default',
        env: stringRecord(sc.env),
        tags: stringRecord(sc.tags),
      })
    }
    forSpec.scenarios = stripped
  }
  const parsed = parseTestObject({ options: forSpec, requests: [{ url: PLACEHOLDER_URL }] })
  for (const d of parsed.diagnostics) problem(d.path.replace(/^options\./, 'options.'), d.message)
  const thresholds = thresholdsOf(options.thresholds, problem)
  if (parsed.value === undefined || diagnostics.length > 0) return { diagnostics }
  const spec: TestSpec = { ...parsed.value, requests: [], thresholds }
  if (scenarios.size === 0) scenarios.set('default', { exec: 'default', env: {}, tags: {} })
  return {
    value: { spec, scenarios, discardResponseBodies: options.discardResponseBodies === true, options },
    diagnostics,
  }
}

function stringRecord (value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {}
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]))
}

/** Thresholds on any metric, custom ones included (their type is only known once the script runs). */
function thresholdsOf (value: unknown, problem: (path: string, message: string) => void): ThresholdSpec[] {
  if (value === undefined) return []
  if (typeof value !== 'object' || value === null) {
    problem('options.thresholds', 'expected an object of metric → threshold expressions')
    return []
  }
  const out: ThresholdSpec[] = []
  for (const [key, list] of Object.entries(value)) {
    const selector = parseMetricSelector(key)
    if (selector.value === undefined) {
      problem(`options.thresholds.${key}`, selector.error ?? 'bad metric')
      continue
    }
    const metric = formatMetricSelector(selector.value)
    for (const item of Array.isArray(list) ? list as unknown[] : [list]) {
      const spec = typeof item === 'string'
        ? { threshold: item }
        : item as { threshold?: unknown, abortOnFail?: unknown, delayAbortEval?: unknown }
      const expression = String(spec.threshold)
      const parsedExpr = parseThreshold(expression)
      if (parsedExpr.error !== undefined) {
        problem(`options.thresholds.${key}`, parsedExpr.error)
        continue
      }
      const delay = spec.delayAbortEval === undefined ? 0 : parseDurationMs(spec.delayAbortEval as string)
      out.push({ metric, expression, abortOnFail: spec.abortOnFail === true, delayAbortEvalMs: delay ?? 0 })
    }
  }
  return out
}
