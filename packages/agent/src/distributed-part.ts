import type { ApiClient, PartAssignment, PartFinish, PartState } from '@loadfleet/api/client'
import { ExecutionTuple, parseSegment, parseSequence } from '@loadfleet/core/base'
import type * as Engine from '@loadfleet/engine'
import { sleep } from './backoff.js'
import { errorText } from './logger.js'
import { finishOf } from './run-executor.js'
import { maxVusOf } from './script-run.js'
import type { AgentLimits } from './target-check.js'

/** While the other parts are being accepted, the agent asks this often whether its part may start. */
const WAIT_POLL_MS = 250
/** Accepting is retried through short outages of the control plane, not forever. */
const ACCEPT_ATTEMPTS = 12
const ERROR_MESSAGE_MAX_CHARS = 4000
const FILE_RE = /^[^/\\\0]{1,196}\.(ya?ml|json|m?js)$/i
const MAX_SOURCE_CHARS = 256 * 1024

/** What running a part needs from its agent. */
export interface PartRunOptions {
  part: PartAssignment
  /** Calls the control plane as this agent (re-registering once on a refused credential). */
  call: <T>(name: string, send: (client: ApiClient) => Promise<T>) => Promise<T>
  agentName: string
  signal: AbortSignal
  limits: AgentLimits
  egress?: Engine.EgressCheck | undefined
}

/**
 * Why a part assignment from the control plane cannot be run, or undefined. The control plane is checked like any
 * other input: a wrong shape, a segment that is not one of its sequence's parts, an oversized test are refused.
 */
export function assignmentProblem (x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return 'the part is not an object'
  const p = x as Record<string, unknown>
  if (typeof p.runId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(p.runId)) return 'runId is not a run id'
  if (typeof p.index !== 'number' || !Number.isInteger(p.index) || p.index < 0 || p.index > 99) return 'index is not 0–99'
  if (typeof p.segment !== 'string' || typeof p.sequence !== 'string') return 'segment or sequence is missing'
  const test = p.test as Record<string, unknown> | null
  if (typeof test !== 'object' || test === null || typeof test.file !== 'string' || !FILE_RE.test(test.file)) {
    return 'test.file is not a test file or script name'
  }
  if (typeof test.source !== 'string' || test.source.length > MAX_SOURCE_CHARS) return 'test.source is missing or too large'
  const tuple = tupleOf(p.segment, p.sequence)
  return typeof tuple === 'string' ? tuple : undefined
}

function tupleOf (segment: string, sequence: string): ExecutionTuple | string {
  const seg = parseSegment(segment, 'segment')
  const seq = parseSequence(sequence, 'sequence')
  const problem = [...seg.diagnostics, ...seq.diagnostics][0]
  if (problem !== undefined) return `${problem.path}: ${problem.message}`
  const tuple = ExecutionTuple.of(seg.value, seq.value ?? [], 'segment')
  return tuple.value ?? `segment: ${tuple.diagnostics[0]?.message ?? 'invalid'}`
}

function isPartState (x: unknown): x is PartState {
  if (typeof x !== 'object' || x === null) return false
  const s = x as Record<string, unknown>
  return (s.state === 'waiting' || s.state === 'start' || s.state === 'cancelled') &&
    (s.startInMs === null || (typeof s.startInMs === 'number' && s.startInMs >= 0 && s.startInMs <= 3_600_000))
}

/**
 * Runs one part: checks it, waits for the common start (the control plane says how long from now, so the agents'
 * clocks need not agree), runs its segment of the test and answers the result to report.
 */
export async function runPart (o: PartRunOptions): Promise<PartFinish> {
  try {
    const tuple = tupleOf(o.part.segment, o.part.sequence)
    if (typeof tuple === 'string') return errorFinish(`the control plane sent an invalid part: ${tuple}`)
    const { parseTestSource, plannedTestMs, runTestSource } = await import('@loadfleet/engine')
    const parsed = await parseTestSource(o.part.test)
    if (parsed.value === undefined) {
      return errorFinish(`the test cannot run: ${parsed.diagnostics.map((d) => d.message).join('; ')}`)
    }
    const { scenarios } = parsed.value.spec
    const vus = tuple.scale(scenarios.reduce((n, s) => n + maxVusOf(s), 0))
    if (vus > o.limits.maxVus) {
      return errorFinish(`refused by the agent: this part uses up to ${vus} VUs, over its AGENT_MAX_VUS of ${o.limits.maxVus}`)
    }
    if (plannedTestMs(scenarios) > o.limits.maxDurationMs) {
      return errorFinish(`refused by the agent: the test runs longer than its AGENT_MAX_DURATION of ${o.limits.maxDurationMs / 1000} s`)
    }
    const start = await waitForStart(o)
    if (typeof start === 'string') return { ...errorFinish(start), status: 'aborted' }
    const result = await runTestSource(parsed.value, { signal: o.signal, segment: tuple, egress: o.egress })
    return finishOf(result)
  } catch (err) {
    return errorFinish(errorText(err))
  }
}

/** Resolves at the start time, or answers why the part will not start (cancelled, or the agent is stopping). */
async function waitForStart (o: PartRunOptions): Promise<true | string> {
  // Accepting says the test is loaded: the control plane sets the start once every part is ready.
  let accepted = false
  for (let attempt = 0; !o.signal.aborted && !accepted; attempt++) {
    if (attempt === ACCEPT_ATTEMPTS) return 'the control plane did not take this part\'s acceptance'
    accepted = await o.call('accept_part', (c) => c.acceptPart(o.agentName, o.part.runId, o.part.index))
      .then(() => true, () => false)
    if (!accepted) await sleep(WAIT_POLL_MS * 2 ** Math.min(attempt, 4), o.signal)
  }
  while (!o.signal.aborted) {
    const state: unknown = await o.call('part_state', (c) => c.partState(o.agentName, o.part.runId, o.part.index))
      .catch(() => undefined) // a missed poll is retried; the run's deadline ends the wait if the plane is gone
    if (isPartState(state) && state.state === 'cancelled') return `the run was cancelled: ${state.reason ?? 'no reason given'}`
    if (isPartState(state) && state.state === 'start') {
      await sleep(state.startInMs ?? 0, o.signal)
      return o.signal.aborted ? 'agent shutting down' : true
    }
    await sleep(WAIT_POLL_MS, o.signal)
  }
  return 'agent shutting down'
}

function errorFinish (message: string): PartFinish {
  return {
    status: 'error', finishedAt: new Date().toISOString(),
    errorMessage: message.length > ERROR_MESSAGE_MAX_CHARS ? message.slice(0, ERROR_MESSAGE_MAX_CHARS) : message,
  }
}
