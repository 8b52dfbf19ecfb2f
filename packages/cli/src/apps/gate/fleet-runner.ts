import { MANAGED_BY_APPLY, MANAGED_BY_LABEL, type ApiClient, type Run, type Target } from '@loadfleet/api'
import type { GateMetrics } from '@loadfleet/core'
import type { GateRunOutcome, GateTestRunner } from './test-runner.js'

/** How often the gate asks whether the fleet's run has finished. */
const POLL_MS = 500
/** Time for an agent to poll, pick the run up and report it, on top of the test's own duration. */
const PICKUP_MARGIN_MS = 120_000

/**
 * Runs URL tests on the fleet: asks the control plane to run the test's managed site now (created by `loadfleet
 * apply`) and waits for the first run of it that starts after the request. Tests that are not sites (YAML test files,
 * k6 scripts) run on `fallback`, this machine's engine, and the evidence says so.
 */
export function fleetRunner (client: ApiClient, fallback: GateTestRunner): GateTestRunner {
  let sites: Promise<Target[]> | undefined
  return async (options) => {
    const { app, test, signal } = options
    if (test.kind !== 'url') return fallback(options)
    const startedAt = Date.now()
    const fail = (message: string): GateRunOutcome => ({
      runner: 'fleet', runId: null, startedAt, finishedAt: Date.now(), metrics: {}, thresholds: [], errorMessage: message,
    })
    try {
      sites ??= client.listTargets().then((r) => r.data)
      const site = (await sites).find((t) => t.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_APPLY &&
        t.labels.app === app.name && t.labels.test === test.name)
      if (site === undefined) {
        return fail(`no managed site for ${app.name}/${test.name} on the control plane: run 'loadfleet apply' first`)
      }
      const { requestedAt } = await client.requestRun(site.id)
      const deadline = Date.now() + test.durationMs.value + PICKUP_MARGIN_MS
      for (;;) {
        const run = (await client.listRuns({ targetId: site.id, limit: 20 })).data
          .filter((r) => r.startedAt >= requestedAt).at(-1)
        if (run !== undefined && run.status !== 'running') return outcomeOf(run)
        if (signal.aborted) return fail('interrupted')
        if (Date.now() > deadline) {
          return fail(run === undefined
            ? `no agent picked the run of site ${site.id} up within ${(deadline - startedAt) / 1000} s`
            : `run ${run.id} of site ${site.id} did not finish in time`)
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err))
    }
  }
}

function outcomeOf (run: Run): GateRunOutcome {
  const m = run.metrics
  const metrics: GateMetrics = {}
  if (m !== null) {
    if (m.p50_ms !== null) metrics.p50 = m.p50_ms
    if (m.p95_ms !== null) metrics.p95 = m.p95_ms
    if (m.p99_ms !== null) metrics.p99 = m.p99_ms
    if (m.avg_ms !== null) metrics.avg = m.avg_ms
    metrics.error_rate = m.error_rate
    metrics.rps = m.rps
  }
  const outcome: GateRunOutcome = {
    runner: 'fleet', runId: run.id, startedAt: Date.parse(run.startedAt),
    finishedAt: Date.parse(run.finishedAt ?? run.startedAt), metrics,
    thresholds: (run.verdict?.thresholds ?? [])
      .map((t) => ({ metric: t.metric, expression: t.expression, ok: t.ok, observed: t.observed })),
  }
  if (run.status === 'error' || run.status === 'aborted') {
    outcome.errorMessage = run.errorMessage ?? run.failureReason ?? `the run ended ${run.status}`
  } else if (run.status === 'failed' && outcome.thresholds.every((t) => t.ok)) {
    // Failed for a reason other than a threshold (e.g. no request succeeded): keep it visible as one.
    outcome.thresholds.push({ metric: 'run', expression: run.failureReason ?? 'failed', ok: false, observed: null })
  }
  return outcome
}
