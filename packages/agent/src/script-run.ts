import { resolve } from 'node:path'
import type { RunFinish } from '@loadfleet/api/client'
import type { Diagnostic, ScenarioSpec } from '@loadfleet/core/base'
import type * as Engine from '@loadfleet/engine'
import { errorText } from './logger.js'
import { finishOf } from './run-executor.js'
import type { AgentLimits } from './target-check.js'

/** The name a site's script has in its error lines; it exists only in memory. */
const SCRIPT_FILE = 'script.js'
const ERROR_MESSAGE_MAX_CHARS = 4000 // the wire limit

/** Options of `executeScriptRun`. */
export interface ScriptRunOptions {
  script: string
  signal: AbortSignal
  limits: AgentLimits
  egress?: Engine.EgressCheck | undefined
  /** One line per exception the script throws in an iteration (at most a hundred per run). */
  onScriptError?: (line: string) => void
}

/**
 * Runs a site's k6 script on the built-in engine: compiled and its init code run first, so a script that does not
 * compile, throws in init or asks for more than this agent's limits ends as an `error` run naming why (and the line).
 */
export async function executeScriptRun (options: ScriptRunOptions): Promise<{ finish: RunFinish }> {
  try {
    const { plannedTestMs, prepareScript, runScript } = await import('@loadfleet/engine')
    const entry = resolve(SCRIPT_FILE)
    // __ENV stays empty: the agent's environment holds its own credentials, which a script must not read.
    const prepared = await prepareScript(SCRIPT_FILE, {
      env: {}, read: (path) => Promise.resolve(path === entry ? options.script : undefined),
    })
    if (prepared.value === undefined) {
      return errorFinish(`the site's script cannot run: ${prepared.diagnostics.map(lineOf).join('; ')}`)
    }
    const { scenarios } = prepared.value.plan.spec
    const over = limitRefusal(scenarios, plannedTestMs(scenarios), options.limits)
    if (over !== undefined) return errorFinish(`target refused by the agent: ${over}`)
    const outcome = await runScript(prepared.value, {
      signal: options.signal, egress: options.egress,
      ...(options.onScriptError === undefined ? {} : { onScriptError: options.onScriptError }),
    })
    const finish = finishOf(outcome.result)
    // setup() or teardown() threw: the run's figures are kept, its status says the script failed (k6's exit 107).
    if (outcome.scriptError !== undefined && finish.status !== 'error') {
      return { finish: { ...finish, status: 'error', errorMessage: clip(outcome.scriptError) } }
    }
    return { finish }
  } catch (err) {
    return errorFinish(errorText(err))
  }
}

function lineOf (d: Diagnostic): string {
  const where = d.line === undefined ? '' : `line ${d.line}: `
  const path = d.path === '' ? '' : `${d.path}: `
  return `${where}${path}${d.message}`
}

/** Why the script's own options exceed this agent's limits (AGENT_MAX_VUS, AGENT_MAX_DURATION), or undefined. */
export function limitRefusal (scenarios: readonly ScenarioSpec[], plannedMs: number, limits: AgentLimits):
string | undefined {
  // Scenarios may overlap, so their VUs add up; an arrival-rate scenario may grow to its maxVUs.
  const vus = scenarios.reduce((sum, s) => sum + maxVusOf(s), 0)
  if (vus > limits.maxVus) return `the script's options use up to ${vus} VUs, over this agent's AGENT_MAX_VUS of ${limits.maxVus}`
  if (plannedMs > limits.maxDurationMs) {
    return `the script's options run for ${plannedMs / 1000} s, over this agent's AGENT_MAX_DURATION of ` +
      `${limits.maxDurationMs / 1000} s`
  }
  return undefined
}

export function maxVusOf (s: ScenarioSpec): number {
  switch (s.executor) {
    case 'ramping-vus': return Math.max(s.startVUs, ...s.stages.map((st) => st.target))
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': return Math.max(s.preAllocatedVUs, s.maxVUs)
    default: return s.vus
  }
}

function errorFinish (message: string): { finish: RunFinish } {
  return { finish: { status: 'error', finishedAt: new Date().toISOString(), errorMessage: clip(message) } }
}

function clip (text: string): string {
  return text.length > ERROR_MESSAGE_MAX_CHARS ? text.slice(0, ERROR_MESSAGE_MAX_CHARS) : text
}
