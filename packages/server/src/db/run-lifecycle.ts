import type { Run, RunMetrics } from '@loadfleet/api'
import type { Store } from './store.js'
import { canonicalJson, sha256Hex } from './canonical-json.js'
import { toRun } from './repos/runs-repo.js'
import { countersOfResult } from './repos/target-counters-repo.js'
import { RunConflict, RunNotFound, RunNotOwned, TargetNotFound } from '../errors.js'
import { DEFAULT_EXPECTED_STATUSES } from '@loadfleet/api'
import { effectiveThresholds, judgeRun, scriptThresholdsOf } from '../judging/judge-run.js'

export interface StartRunInput { agentName: string, id: string, targetId: string, startedAt: number }

export interface FinishRunInput {
  agentName: string
  id: string
  status: 'passed' | 'failed' | 'error' | 'aborted'
  finishedAt: number
  errorMessage: string | null
  metrics: RunMetrics | null
  summary: Record<string, unknown> | null
}

/**
 * Records that an agent started a run. Idempotent on the agent-made id: a retry with the same target returns the
 * existing run (`created: false`); the same id for another target is a conflict, and another agent's id is refused.
 */
export async function startRun (store: Store, input: StartRunInput): Promise<{ run: Run, created: boolean }> {
  return await store.transaction(async (r) => {
    const sameRun = async (): Promise<{ run: Run, created: boolean } | undefined> => {
      const existing = await r.runs.getRow(input.id)
      if (existing === undefined) return undefined
      if (existing.agent_name !== input.agentName) throw new RunNotOwned({ id: input.id })
      if (existing.target_id !== input.targetId) {
        throw new RunConflict({ id: input.id, reason: 'this id was already used for another target' })
      }
      const run = await r.runs.get(input.id)
      if (run === undefined) throw new RunNotFound({ id: input.id })
      return { run, created: false }
    }
    // The common case first, in as few statements as possible (each is a round trip on PostgreSQL).
    const target = await r.targets.get(input.targetId)
    const inserted = target !== undefined && await r.runs.insertRunning({
      id: input.id, targetId: input.targetId, agentName: input.agentName, durationS: target.durationS,
      startedAt: input.startedAt,
    })
    if (target === undefined || !inserted) {
      // A retry (possibly racing the first attempt), or a retry after the target was deleted, or a bad target.
      const existing = await sameRun()
      if (existing !== undefined) return existing
      throw target === undefined ? new TargetNotFound({ id: input.targetId }) : new RunNotFound({ id: input.id })
    }
    await r.targets.recordStart({ agentName: input.agentName, targetId: input.targetId, startedAt: input.startedAt })
    await r.agents.setCurrentRun({ name: input.agentName, runId: input.id, now: Date.now() })
    const run: Run = {
      id: input.id, targetId: target.id, targetLabel: target.label, targetUrl: target.url, agentName: input.agentName,
      status: 'running', startedAt: new Date(input.startedAt).toISOString(), finishedAt: null, errorMessage: null,
      metrics: null, failureReason: null, verdict: null,
    }
    return { run, created: true }
  })
}

/**
 * Stores a run's result, judged by the control plane (see `judgeRun`). The same result twice is stored once; a
 * different result for a finished run is a conflict, except over the reaper's presumed `error`, which a late real
 * result replaces. `written` tells a first write from a repeat.
 */
export async function recordRunResult (store: Store, input: FinishRunInput): Promise<{ run: Run, written: boolean }> {
  const resultHash = sha256Hex(canonicalJson({
    status: input.status, errorMessage: input.errorMessage, metrics: input.metrics, summary: input.summary,
  }))
  return await store.transaction(async (r) => {
    const row = await r.runs.getRowWithTarget(input.id)
    if (row === undefined) throw new RunNotFound({ id: input.id })
    // Only the agent that started a run may report it: another agent's result must change nothing.
    if (row.agent_name !== input.agentName) throw new RunNotOwned({ id: input.id })
    const replaceable = row.status === 'running' || row.reaped_at !== null
    if (!replaceable) {
      if (row.result_hash === resultHash) return { run: toRun(row), written: false }
      throw new RunConflict({ id: input.id, reason: `it already finished as "${row.status}" with a different result` })
    }
    const [target, config] = await Promise.all([r.targets.get(row.target_id), r.config.get()])
    const inForce = effectiveThresholds(config.defaultThresholds, target?.thresholds ?? {})
    const judged = judgeRun({
      reported: input,
      thresholds: typeof target?.script === 'string' ? [...inForce, ...scriptThresholdsOf(input.summary, inForce)] : inForce,
      expectedStatuses: target?.expectedStatuses ?? DEFAULT_EXPECTED_STATUSES,
    })
    await r.runs.writeResult(input.id, {
      status: judged.status, finishedAt: input.finishedAt, errorMessage: input.errorMessage, metrics: judged.metrics,
      summaryJson: input.summary === null ? null : JSON.stringify(input.summary), resultHash,
      failureReason: judged.failureReason, verdict: judged.verdict, requests: judged.requests,
      failedRequests: judged.failedRequests, statusCounts: judged.statusCounts, errorKinds: judged.errorKinds,
    })
    if (judged.latencyHistogram !== null) {
      await r.runs.putHistogram({ runId: input.id, metric: 'http_req_duration', histogram: judged.latencyHistogram })
    }
    await r.agents.clearCurrentRun({ name: input.agentName, runId: input.id, now: Date.now() })
    // Counted once: a repeated finish returned above, and a reaped run was never counted. A deleted target
    // (no label from the join) has no series left to count into.
    if (row.target_label !== null) await r.counters.add(row.target_id, countersOfResult(judged.status, input.summary))
    // Answer from what was just written rather than reading it back: one round trip fewer per result.
    const m = judged.metrics
    const run = toRun({
      ...row, status: judged.status, finished_at: input.finishedAt, error_message: input.errorMessage,
      p50_ms: m?.p50_ms ?? null, p95_ms: m?.p95_ms ?? null, p99_ms: m?.p99_ms ?? null, avg_ms: m?.avg_ms ?? null,
      error_rate: m?.error_rate ?? null, rps: m?.rps ?? null, data_received_bytes: m?.data_received_bytes ?? null,
      iterations: m?.iterations ?? null, failure_reason: judged.failureReason,
      verdict_json: judged.verdict === null ? null : JSON.stringify(judged.verdict),
    })
    return { run, written: true }
  })
}

/** Stores a run's result (see `recordRunResult`) and answers the run as stored. */
export async function finishRun (store: Store, input: FinishRunInput): Promise<Run> {
  return (await recordRunResult(store, input)).run
}
