import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ApiClient, type AgentTarget } from '@loadfleet/api/client'
import type { AgentOptions } from './agent-options.js'
import { backoffDelayMs, sleep } from './backoff.js'
import { Deliverer } from './deliverer.js'
import { AgentSession } from './agent-session.js'
import { AgentTokenRejected, classifyFailure } from './failure.js'
import { createLogger, errorText, type Logger } from './logger.js'
import { engineFor, executeRun } from './run-executor.js'
import { dueTargets } from './schedule.js'
import { Spool } from './spool.js'
import { spoolProblemOf } from './spool-problem.js'
import { testSpecOf } from './test-spec-of.js'
import { executeScriptRun } from './script-run.js'
import { resolveSecretHeaders } from './secret-headers.js'
import { isSchedulable, targetEgressRefusal, targetRefusal } from './target-check.js'
import { egressRefusal } from '@loadfleet/core/egress'
import type { PartAssignment, PartFinish } from '@loadfleet/api/client'
import { assignmentProblem, runPart } from './distributed-part.js'
import { BROWSER_REPORTER, executeBrowserCheck, pollBrowserSites } from './browser-work.js'
import type { SpooledFinish } from './spool.js'

/** How the agent ended: 0 after a clean stop, 1 when the control plane rejected its enrolment secret. */
export interface AgentExit {
  code: 0 | 1
  reason: string
}

/** A running agent. */
export interface Agent {
  readonly name: string
  /** Stops taking work, aborts running tests (reported as `aborted`), flushes the spool; resolves when done. */
  stop (reason: string): Promise<AgentExit>
  /** Settles when the agent has stopped, whether asked to or after a fatal error. */
  readonly done: Promise<AgentExit>
  /** Runs in progress, results not yet delivered, and why no run can start (null when runs can), for tests and logs. */
  state (): { running: number, spooled: number, registered: boolean, degraded: string | null }
}

// A test aborted on shutdown must be gone within 5 s; the result is reported even if the engine lags.
const SHUTDOWN_ABORT_MS = 5000
const DEFAULT_SHUTDOWN_FLUSH_MS = 10_000
const SHUTTING_DOWN = 'agent shutting down'
const PARENT_CHECK_MS = 1000
// Telling the control plane we leave is best effort: it must never hold up the exit.
const LEAVE_TIMEOUT_MS = 2000
// A part's result is delivered directly (not spooled): the run waits for it, and fails on its own deadline without.
const PART_DELIVERY_ATTEMPTS = 6

interface ActiveRun { targetId: string, controller: AbortController, settled: Promise<void>, finished: boolean }

/** Why the agent takes no work: it could not record a run (its spool directory is full or not writable). */
interface Degraded { reason: string, since: number }

/** Starts an agent: register, heartbeat, poll targets, run what is due, deliver every result exactly once. */
export function startAgent (options: AgentOptions): Agent {
  return new AgentProcess(options).start()
}

class AgentProcess {
  readonly #o: AgentOptions
  readonly #log: Logger
  readonly #client: ApiClient
  readonly #session: AgentSession
  readonly #spool: Spool
  readonly #deliverer: Deliverer
  readonly #runs = new Map<string, ActiveRun>()
  readonly #localStartedAt = new Map<string, number>()
  /** Targets already logged as impossible to schedule (no usable id or interval). */
  readonly #unusable = new Set<string>()
  #targets: AgentTarget[] = []
  #registered = false
  #stopping: Promise<AgentExit> | null = null
  #timers: NodeJS.Timeout[] = []
  #pollTimer: NodeJS.Timeout | undefined
  #reachable = true
  #degraded: Degraded | null = null
  #spoolOpened = false
  readonly #stopSignal = new AbortController()
  #resolveDone!: (exit: AgentExit) => void
  readonly #done = new Promise<AgentExit>((resolve) => { this.#resolveDone = resolve })

  constructor (options: AgentOptions) {
    this.#o = options
    this.#log = options.logger ?? createLogger()
    this.#client = new ApiClient({
      baseUrl: options.dashboardUrl, agentToken: options.dashboardSecret, timeoutMs: options.requestTimeoutMs ?? 10_000,
    })
    this.#session = new AgentSession({
      client: this.#client,
      agentName: options.agentName,
      registration: {
        name: options.agentName, version: options.version ?? 'unknown', heartbeatIntervalMs: options.heartbeatIntervalMs,
      },
      logger: this.#log,
    })
    this.#spool = new Spool(join(options.tmpDir, `loadfleet-spool-${options.agentName}`), {
      onWriteFailed: (err) => { this.#degrade(err) },
    })
    this.#deliverer = new Deliverer({
      session: this.#session,
      agentName: options.agentName,
      spool: this.#spool,
      logger: this.#log,
      maxAttempts: options.deliveryMaxAttempts,
      ...(options.kind === 'browser' ? { reporter: BROWSER_REPORTER } : {}),
      onFatal: (err) => { void this.#fatal(err) },
    })
  }

  start (): Agent {
    void this.#boot().catch((err: unknown) => { void this.#fatal(err) })
    return {
      name: this.#o.agentName,
      stop: (reason) => this.#stop(reason),
      done: this.#done,
      state: () => ({
        running: this.#runs.size, spooled: this.#spool.size, registered: this.#registered,
        degraded: this.#degraded?.reason ?? null,
      }),
    }
  }

  async #boot (): Promise<void> {
    const { agentName, k6Binary, maxConcurrentRuns, pollIntervalMs, heartbeatIntervalMs } = this.#o
    this.#log.log('info', 'agent_starting', {
      agent: agentName, pid: process.pid, dashboardUrl: this.#o.dashboardUrl,
      engine: this.#o.kind === 'browser' ? 'chromium' : engineFor(k6Binary),
      maxConcurrentRuns, pollIntervalMs, heartbeatIntervalMs, tmpDir: this.#o.tmpDir,
    })
    if (k6Binary !== undefined && engineFor(k6Binary) === 'loadfleet') {
      this.#log.log('warn', 'k6_binary_missing', { k6Binary, fallback: 'built-in engine' })
    }
    if (this.#o.parentPid !== undefined) this.#watchParent(this.#o.parentPid)
    // A full or broken TMP_DIR must not stop the agent: it starts degraded, and recovers when it can write again.
    await this.#checkSpool()
    this.#deliverer.kick()
    await this.#registerWithRetry()
    if (this.#stopping !== null) return
    if (this.#degraded !== null) void this.#heartbeat() // registering clears the reason the server holds
    this.#timers.push(setInterval(() => { void this.#heartbeat() }, heartbeatIntervalMs))
    void this.#poll()
  }

  /** A local fleet's agent must not outlive `loadfleet up` when that is killed outright (no SIGTERM reaches us). */
  #watchParent (parentPid: number): void {
    const check = (): void => {
      if (process.ppid !== parentPid) void this.#stop('parent process exited')
    }
    this.#timers.push(setInterval(check, PARENT_CHECK_MS))
    check() // the parent may have died while this process was still starting
  }

  async #registerWithRetry (): Promise<void> {
    for (let attempt = 0; this.#stopping === null; attempt++) {
      try {
        await this.#register()
        return
      } catch (err) {
        if (classifyFailure(err) === 'fatal') throw err
        this.#log.log('warn', 'register_retry', { attempt: attempt + 1, error: errorText(err) })
        await sleep(backoffDelayMs(attempt), this.#stopSignal.signal)
      }
    }
  }

  async #register (): Promise<void> {
    await this.#session.register()
    if (!this.#registered) this.#log.log('info', 'agent_registered', { agent: this.#o.agentName })
    this.#registered = true
  }

  async #openSpool (): Promise<void> {
    const { recovered, interrupted } = await this.#spool.open()
    this.#spoolOpened = true
    if (recovered > 0) this.#log.log('info', 'spool_recovered', { results: recovered, interrupted })
  }

  /** Whether a run could be recorded now (opening the spool first if that failed before): enters or leaves degraded. */
  async #checkSpool (): Promise<void> {
    try {
      if (!this.#spoolOpened) await this.#openSpool()
      await this.#spool.probe()
    } catch (err) {
      this.#degrade(err)
      return
    }
    this.#recover()
  }

  /** Logged once on entering; while degraded, only the reason is kept up to date. */
  #degrade (err: unknown, fields: Record<string, unknown> = {}): void {
    const reason = spoolProblemOf(err, this.#spool.dir)
    if (this.#degraded === null) {
      this.#log.log('warn', 'agent_degraded', {
        reason, ...fields, running: this.#runs.size, spooled: this.#spool.size,
        message: 'no run starts until the spool directory can be written again; spooled results are still delivered',
      })
      this.#degraded = { reason, since: Date.now() }
    } else {
      this.#degraded.reason = reason
    }
  }

  #recover (): void {
    if (this.#degraded === null) return
    const { reason, since } = this.#degraded
    this.#degraded = null
    this.#log.log('info', 'agent_recovered', { previousReason: reason, degradedForMs: Date.now() - since })
    // Runs resume at the next poll, not from here: should the probe pass while run records still fail, the
    // agent alternates at the poll's pace instead of spinning.
    this.#deliverer.kick()
  }

  async #heartbeat (): Promise<void> {
    await this.#checkSpool() // so each heartbeat carries the spool's state of now
    const current = this.#runs.keys().next()
    try {
      await this.#session.call('heartbeat', (client) => client.heartbeat(this.#o.agentName, {
        status: this.#runs.size > 0 ? 'busy' : 'online', currentRunId: current.done === true ? null : current.value,
        deadLetters: this.#deliverer.deadLetters, degradedReason: this.#degraded?.reason ?? null,
      }))
    } catch (err) {
      await this.#onCallFailed('heartbeat', err)
    }
  }

  async #poll (): Promise<void> {
    if (this.#stopping !== null) return
    try {
      // A browser agent polls the browser sites; the rest of its life (schedule, spool, delivery) is the same.
      const received = await this.#session.call('poll', (client) => this.#o.kind === 'browser'
        ? pollBrowserSites(client, this.#o.agentName)
        : client.agentTargets(this.#o.agentName))
      this.#targets = this.#schedulable(received.data)
      if (!this.#reachable) this.#log.log('info', 'control_plane_reachable', {})
      this.#reachable = true
      this.#deliverer.kick()
    } catch (err) {
      // Keep running the last known schedule: results are spooled until the control plane is back.
      await this.#onCallFailed('poll', err)
    }
    if (this.#degraded !== null) await this.#checkSpool() // recover within a poll interval, not a heartbeat's
    await this.#claimPart()
    this.#fill()
    if (this.#stopping === null) this.#pollTimer = setTimeout(() => { void this.#poll() }, this.#o.pollIntervalMs)
  }

  /** The received targets this agent can schedule; the rest are logged once and ignored. */
  #schedulable (received: unknown): AgentTarget[] {
    if (!Array.isArray(received)) throw new Error('the control plane sent a target list that is not a list')
    const usable: AgentTarget[] = []
    for (const target of received as unknown[]) {
      if (isSchedulable(target)) {
        usable.push(target)
        continue
      }
      const id = (target as { id?: unknown } | null)?.id
      const key = typeof id === 'string' ? id.slice(0, 64) : JSON.stringify(target)?.slice(0, 64) ?? 'unknown'
      if (!this.#unusable.has(key)) {
        this.#unusable.add(key)
        this.#log.log('warn', 'target_unusable', { targetId: key, reason: targetRefusal(target, this.#o) })
      }
    }
    return usable
  }

  async #onCallFailed (call: string, err: unknown): Promise<void> {
    const kind = classifyFailure(err)
    if (kind === 'fatal') return void this.#fatal(err)
    if (kind === 'unknown-agent') {
      await this.#register().catch(() => {})
      return
    }
    if (kind === 'transient' && this.#reachable) {
      this.#reachable = false
      this.#log.log('warn', 'control_plane_unreachable', { call, error: errorText(err) })
    } else if (kind !== 'transient') {
      this.#log.log('warn', `${call}_failed`, { error: errorText(err) })
    }
  }

  /** Takes a part of a distributed run when a run slot is free: the control plane starts it with the other parts. */
  async #claimPart (): Promise<void> {
    if (this.#stopping !== null || this.#degraded !== null || this.#runs.size >= this.#o.maxConcurrentRuns) return
    let claimed: unknown
    try {
      claimed = (await this.#session.call('claim_part', (c) => c.claimPart(this.#o.agentName))).part
    } catch (err) {
      await this.#onCallFailed('claim_part', err)
      return
    }
    if (claimed === null || claimed === undefined) return
    const problem = assignmentProblem(claimed)
    const part = claimed as PartAssignment
    if (problem !== undefined) {
      this.#log.log('warn', 'part_refused', { reason: problem })
      if (typeof part.runId === 'string' && Number.isInteger(part.index)) {
        void this.#deliverPart(part, { status: 'error', errorMessage: `the agent refused its part: ${problem}` })
      }
      return
    }
    this.#startPart(part)
  }

  #startPart (part: PartAssignment): void {
    const key = `part:${part.runId}:${part.index}`
    const controller = new AbortController()
    // `finished`: a part never goes through the spool, so shutdown has nothing to record for it there.
    const run: ActiveRun = { targetId: key, controller, settled: Promise.resolve(), finished: true }
    this.#runs.set(key, run)
    this.#log.log('info', 'part_accepted', { runId: part.runId, part: part.index, segment: part.segment })
    const egress = this.#o.egress
    run.settled = runPart({
      part, agentName: this.#o.agentName, signal: controller.signal, limits: this.#o,
      call: (name, send) => this.#session.call(name, send),
      egress: egress === undefined ? undefined : (destination) => egressRefusal(egress, destination),
    })
      .then(async (finish) => { await this.#deliverPart(part, finish) })
      .catch((err: unknown) => { this.#log.log('error', 'part_failed', { runId: part.runId, error: errorText(err) }) })
      .finally(() => {
        this.#runs.delete(key)
        this.#fill()
      })
  }

  async #deliverPart (part: PartAssignment, finish: PartFinish): Promise<void> {
    for (let attempt = 0; attempt < PART_DELIVERY_ATTEMPTS; attempt++) {
      try {
        await this.#session.call('finish_part', (c) => c.finishPart(this.#o.agentName, part.runId, part.index, finish))
        this.#log.log('info', 'part_finished', { runId: part.runId, part: part.index, status: finish.status })
        return
      } catch (err) {
        if (classifyFailure(err) === 'fatal') return
        this.#log.log('warn', 'part_delivery_retry', { runId: part.runId, attempt: attempt + 1, error: errorText(err) })
        await sleep(backoffDelayMs(attempt))
      }
    }
  }

  /** Starts due targets, oldest due first, while run slots are free. */
  #fill (): void {
    if (this.#stopping !== null || this.#degraded !== null) return
    const free = this.#o.maxConcurrentRuns - this.#runs.size
    if (free <= 0) return
    const busy = new Set([...this.#runs.values()].map((r) => r.targetId))
    const due = dueTargets({ targets: this.#targets, localStartedAt: this.#localStartedAt, busy, now: Date.now() })
    for (const { target } of due.slice(0, free)) this.#startRun(target)
  }

  #startRun (target: AgentTarget): void {
    const runId = randomUUID()
    const startedAt = Date.now()
    const previousStartAt = this.#localStartedAt.get(target.id)
    this.#localStartedAt.set(target.id, startedAt)
    const controller = new AbortController()
    const run: ActiveRun = { targetId: target.id, controller, settled: Promise.resolve(), finished: false }
    this.#runs.set(runId, run)
    run.settled = this.#recordStart(runId, target, startedAt)
      .then(async (recorded) => {
        if (recorded) return await this.#execute(runId, target, run)
        // Never started: the target stays due, to run once the agent has recovered.
        if (previousStartAt === undefined) this.#localStartedAt.delete(target.id)
        else this.#localStartedAt.set(target.id, previousStartAt)
      })
      .catch((err: unknown) => { this.#log.log('error', 'run_bookkeeping_failed', { runId, error: errorText(err) }) })
      .finally(() => {
        this.#runs.delete(runId)
        this.#fill()
      })
  }

  /** A run starts only once its start is on disk, so a start is never reported for a test that did not run. */
  async #recordStart (runId: string, target: AgentTarget, startedAt: number): Promise<boolean> {
    try {
      await this.#spool.addStart({ id: runId, targetId: target.id, startedAt: new Date(startedAt).toISOString() })
    } catch (err) {
      this.#degrade(err, { notStartedTargetId: target.id })
      void this.#heartbeat()
      return false
    }
    this.#deliverer.kick()
    void this.#heartbeat()
    this.#log.log('info', 'run_started', { runId, targetId: target.id, url: target.url, vus: target.vus })
    return true
  }

  async #execute (runId: string, target: AgentTarget, run: ActiveRun): Promise<void> {
    const egress = this.#o.egress
    const refusal = targetRefusal(target, this.#o) ??
      (egress === undefined ? undefined : await targetEgressRefusal(egress, target.url))
    if (refusal !== undefined) {
      // Reported as an `error` run, so the refusal shows on the dashboard where the target's runs are.
      this.#log.log('warn', 'target_refused', { runId, targetId: target.id, reason: refusal })
      await this.#complete(runId, run, {
        status: 'error', finishedAt: new Date().toISOString(), errorMessage: `target refused by the agent: ${refusal}`.slice(0, 4000),
      })
      return
    }
    if (this.#o.kind === 'browser') {
      const finish = await executeBrowserCheck(target, {
        signal: run.controller.signal, chromiumPath: this.#o.chromiumPath,
      })
      await this.#complete(runId, run, run.controller.signal.aborted ? shutdownFinish(finish) : finish)
      return
    }
    if (typeof target.script === 'string') {
      // A scripted site makes its own requests: its script, not the site's URL and headers, says what is sent.
      const { finish } = await executeScriptRun({
        script: target.script, signal: run.controller.signal, limits: this.#o,
        egress: egress === undefined ? undefined : (destination) => egressRefusal(egress, destination),
        onScriptError: (line) => { this.#log.log('warn', 'script_error', { runId, targetId: target.id, line }) },
      })
      await this.#complete(runId, run, run.controller.signal.aborted ? shutdownFinish(finish) : finish)
      return
    }
    const secrets = await resolveSecretHeaders(target)
    if ('problem' in secrets) {
      this.#log.log('warn', 'secret_header_unresolved', { runId, targetId: target.id, reason: secrets.problem })
      await this.#complete(runId, run, {
        status: 'error', finishedAt: new Date().toISOString(), errorMessage: secrets.problem.slice(0, 4000),
      })
      return
    }
    const spec = testSpecOf(target, {
      vus: this.#o.defaultVus, durationMs: this.#o.defaultDurationMs, userAgent: `loadfleet-agent/${this.#o.version ?? 'dev'}`,
    }, secrets.headers)
    const { finish } = await executeRun({
      spec, signal: run.controller.signal, k6Binary: this.#o.k6Binary, tmpDir: this.#o.tmpDir, runId,
      egress: egress === undefined ? undefined : (destination) => egressRefusal(egress, destination),
    })
    await this.#complete(runId, run, run.controller.signal.aborted ? shutdownFinish(finish) : finish)
  }

  async #complete (runId: string, run: ActiveRun, finish: SpooledFinish): Promise<void> {
    if (run.finished) return
    run.finished = true
    await this.#spool.setFinish(runId, finish)
    this.#deliverer.kick()
    this.#log.log('info', 'run_finished', {
      runId, targetId: run.targetId, status: finish.status, errorMessage: finish.errorMessage ?? undefined,
      ...('metrics' in finish
        ? { p95_ms: finish.metrics?.p95_ms, rps: finish.metrics?.rps, error_rate: finish.metrics?.error_rate }
        : {}),
    })
  }

  #stop (reason: string, exit: AgentExit = { code: 0, reason }): Promise<AgentExit> {
    this.#stopping ??= this.#shutdown(reason, exit)
    return this.#stopping
  }

  async #shutdown (reason: string, exit: AgentExit): Promise<AgentExit> {
    this.#log.log('info', 'agent_stopping', { reason, running: this.#runs.size })
    this.#stopSignal.abort()
    for (const timer of this.#timers) clearInterval(timer)
    clearTimeout(this.#pollTimer)
    const runs = [...this.#runs.entries()]
    for (const [, run] of runs) run.controller.abort(new Error(SHUTTING_DOWN))
    await Promise.race([Promise.all(runs.map(([, run]) => run.settled)), sleep(SHUTDOWN_ABORT_MS)])
    for (const [runId, run] of runs) {
      if (!run.finished) {
        await this.#complete(runId, run, { status: 'aborted', finishedAt: new Date().toISOString(), errorMessage: SHUTTING_DOWN })
      }
    }
    if (exit.code === 0) {
      const flushed = await this.#deliverer.flush(this.#o.shutdownFlushMs ?? DEFAULT_SHUTDOWN_FLUSH_MS)
      this.#log.log(flushed ? 'info' : 'warn', 'spool_flushed', { undelivered: this.#spool.size, complete: flushed })
      if (this.#registered) await this.#leave(reason)
    }
    this.#deliverer.stop()
    this.#log.log('info', 'agent_stopped', { reason, exitCode: exit.code })
    this.#resolveDone(exit)
    return exit
  }

  /** Best effort: the control plane shows this agent `offline` at once instead of after missed heartbeats. */
  async #leave (reason: string): Promise<void> {
    const credential = this.#client.agentCredential(this.#o.agentName)
    const client = new ApiClient({
      baseUrl: this.#o.dashboardUrl, agentToken: this.#o.dashboardSecret, timeoutMs: LEAVE_TIMEOUT_MS,
      ...(credential === undefined ? {} : { agentCredentials: { [this.#o.agentName]: credential } }),
    })
    try {
      await client.leaveAgent(this.#o.agentName, { reason: reason.slice(0, 200) })
      this.#log.log('info', 'agent_left', { agent: this.#o.agentName })
    } catch (err) {
      this.#log.log('warn', 'leave_failed', { error: errorText(err) })
    }
  }

  async #fatal (err: unknown): Promise<void> {
    const message = errorText(err instanceof AgentTokenRejected ? new Error(err.message) : err)
    if (this.#stopping === null) this.#log.log('error', 'fatal', { message })
    await this.#stop('fatal', { code: 1, reason: message })
  }
}

function shutdownFinish<F extends SpooledFinish> (finish: F): F {
  return { ...finish, status: 'aborted', errorMessage: SHUTTING_DOWN }
}
