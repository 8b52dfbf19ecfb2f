import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import {
  maskUrl, type AgentTarget, type ApplyChange, type BaselineComparison, type Change, type ChangeState, type Config,
  type Run, type Target, type TargetBaseline, type TargetWithStats,
} from '@loadfleet/api'
import { CHANGE_METRICS } from '@loadfleet/analysis'
import type { Database } from './schema.js'
import type { DatabaseHandle, DialectName } from './database.js'
import { TargetsRepo, type TargetSpec, type TargetSpecPatch } from './repos/targets-repo.js'
import { AgentsRepo } from './repos/agents-repo.js'
import { RunsRepo, toRun } from './repos/runs-repo.js'
import { ConfigRepo } from './repos/config-repo.js'
import { AuditRepo } from './repos/audit-repo.js'
import { TargetCountersRepo } from './repos/target-counters-repo.js'
import { ApiTokensRepo } from './repos/api-tokens-repo.js'
import { GatesRepo } from './repos/gates-repo.js'
import { UsersRepo } from './repos/users-repo.js'
import { ChangeNotFound, ChangeNotOpen, RequestInvalid, TargetNotFound, type FieldIssue } from '../errors.js'
import { siteSnapshots } from './repos/site-metrics-repo.js'
import type { SitesData } from '../site-metrics.js'
import { effectiveThresholds, thresholdsRecord } from '../judging/judge-run.js'
import { RunJudgedHook } from '../judging/run-judged-hook.js'
import { SecretBox } from '../secret-box.js'
import { carryOutApply, planApply, type ApplySpec } from './apply-targets.js'
import {
  openSecretHeaders, parseStoredSecretHeaders, patchSecretHeaders, type StoredSecretHeaders,
} from '../target-secret-headers.js'
import {
  baselineComparisonOf, relativeChangeOf, targetBaseline, toChange, trackChanges, type TrackReason,
} from '../judging/track-changes.js'

/** What every agent poll answers from: the targets, the default thresholds, the opened secret headers. */
interface TargetsForAgents {
  targets: Target[]
  defaultThresholds: Config['defaultThresholds']
  secretHeaders: Map<string, { values: Record<string, string>, unreadable: string[] }>
}

export interface Repos {
  targets: TargetsRepo
  agents: AgentsRepo
  runs: RunsRepo
  config: ConfigRepo
  audit: AuditRepo
  counters: TargetCountersRepo
  tokens: ApiTokensRepo
  gates: GatesRepo
  users: UsersRepo
}

// The dashboard's trend line: enough points to see a regression, few enough to draw in a table row.
const TREND_POINTS = 20
// 1,000 agents poll every 5 s; the target list changes rarely. Writes through this replica refresh it at once,
// writes through another replica are seen within this time (agents poll far less often anyway).
const TARGETS_CACHE_MS = 1000

function reposOf (db: Kysely<Database>): Repos {
  return {
    targets: new TargetsRepo(db), agents: new AgentsRepo(db), runs: new RunsRepo(db),
    config: new ConfigRepo(db), audit: new AuditRepo(db), counters: new TargetCountersRepo(db),
    tokens: new ApiTokensRepo(db), gates: new GatesRepo(db),
    users: new UsersRepo(db),
  }
}

type Diff = Record<string, { from: unknown, to: unknown }>

/** A target to create, with its secret headers' plaintext values (or references). */
export type TargetCreateSpec = TargetSpec & { secretHeaders?: Record<string, string> | undefined }
/** A target update; `secretHeaders` sets (a value) or removes (null) headers, names left out keep theirs. */
export type TargetUpdateSpec = TargetSpecPatch & { secretHeaders?: Record<string, string | null> | undefined }

/** A header named twice (names are case-insensitive), plain or secret, would be sent twice. */
function duplicateHeaderIssues (plain: Record<string, string>, secret: Record<string, unknown>): FieldIssue[] {
  const seen = new Map<string, string>()
  const issues: FieldIssue[] = []
  const entries: Array<[string, string]> = [
    ...Object.keys(plain).map((name): [string, string] => ['body.headers', name]),
    ...Object.keys(secret).map((name): [string, string] => ['body.secretHeaders', name]),
  ]
  for (const [path, name] of entries) {
    const first = seen.get(name.toLowerCase())
    if (first !== undefined) {
      issues.push({ path: `${path}.${name}`, message: `header names are case-insensitive: "${name}" is also set as ${first}` })
    }
    seen.set(name.toLowerCase(), `${path}.${name}`)
  }
  return issues
}

/** A target's secret header names as a stored map, for checks that need the names only. */
function namesOnly (target: Target): StoredSecretHeaders {
  return Object.fromEntries((target.secretHeaderNames ?? []).map((name) => [name, { value: '', changedAt: 0 }]))
}

/** A baseline to pin: chosen runs, or a time range (epoch ms). */
export interface BaselinePinSpec { runIds?: string[] | undefined, from?: number, to?: number }

function stripUndefined<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The store: repositories plus the admin writes that must land together with their audit entry. */
export class Store {
  readonly #handle: DatabaseHandle
  readonly repos: Repos
  /** Subscribe with `store.runJudged.onRunJudged(listener)` to hear of every newly judged run. */
  readonly runJudged = new RunJudgedHook()
  #targetsCache: TargetsForAgents & { at: number } | undefined
  #targetsGeneration = 0

  /** Seals and opens secrets at rest; without one given, values sealed by this store are readable only by it. */
  readonly secrets: SecretBox

  constructor (handle: DatabaseHandle, options: { secrets?: SecretBox } = {}) {
    this.#handle = handle
    this.repos = reposOf(handle.db)
    this.secrets = options.secrets ?? SecretBox.ephemeral()
  }

  get dialect (): DialectName { return this.#handle.dialect }
  get db (): Kysely<Database> { return this.#handle.db }

  /** Runs `work` in one transaction: all of its writes land, or none do. */
  async transaction<T> (work: (repos: Repos, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return await this.#handle.db.transaction().execute((trx) => work(reposOf(trx), trx))
  }

  /** Re-runs change detection for a target and records the outcome in `changes` (see judging/track-changes.ts). */
  async trackChanges (targetId: string, reason: TrackReason = 'run'): Promise<void> {
    await trackChanges(this, targetId, reason)
  }

  /** The run beside its site's baseline, or null (still running, errored, or no baseline yet). */
  async compareRunToBaseline (run: Run): Promise<BaselineComparison | null> {
    return await baselineComparisonOf(this.db, run)
  }

  async targetBaseline (targetId: string): Promise<TargetBaseline> {
    if (await this.repos.targets.get(targetId) === undefined) throw new TargetNotFound({ id: targetId })
    return await targetBaseline(this.db, targetId)
  }

  /** A target's detected changes, newest first. */
  async listChanges (targetId: string, query: { state?: ChangeState | undefined, limit: number }): Promise<Change[]> {
    let q = this.db.selectFrom('changes').selectAll().where('target_id', '=', targetId)
    if (query.state !== undefined) q = q.where('state', '=', query.state)
    const rows = await q.orderBy('detected_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
    return rows.map(toChange)
  }

  /** Pins a baseline: chosen runs of the target, or its finished runs within a time range; audited. */
  async pinBaseline (targetId: string, pin: BaselinePinSpec, actor: string): Promise<TargetBaseline> {
    await this.transaction(async (r, trx) => {
      if (await r.targets.get(targetId) === undefined) throw new TargetNotFound({ id: targetId })
      const issues: FieldIssue[] = []
      if (pin.runIds !== undefined) {
        const found = await trx.selectFrom('runs').select('id').where('target_id', '=', targetId)
          .where('status', 'in', ['passed', 'failed']).where('id', 'in', pin.runIds).execute()
        const ids = new Set(found.map((row) => row.id))
        pin.runIds.forEach((id, i) => {
          if (!ids.has(id)) issues.push({ path: `body.runIds.${i}`, message: `"${id}" is not a finished run of this site` })
        })
      } else if (pin.from !== undefined && pin.to !== undefined) {
        if (pin.from >= pin.to) issues.push({ path: 'body.to', message: 'expected a time after from' })
        else {
          const inRange = await trx.selectFrom('runs').select('id').where('target_id', '=', targetId)
            .where('status', 'in', ['passed', 'failed']).where('started_at', '>=', pin.from)
            .where('started_at', '<=', pin.to).limit(1).execute()
          if (inRange.length === 0) issues.push({ path: 'body.from', message: 'no finished run of this site in that range' })
        }
      }
      if (issues.length > 0) throw new RequestInvalid({ issues })
      const now = Date.now()
      const values = {
        run_ids_json: pin.runIds === undefined ? null : JSON.stringify(pin.runIds),
        from_ms: pin.runIds === undefined ? pin.from ?? null : null,
        to_ms: pin.runIds === undefined ? pin.to ?? null : null,
        updated_at: now,
      }
      await trx.insertInto('target_baselines').values({ target_id: targetId, accepted_at: null, ...values })
        .onConflict((oc) => oc.column('target_id').doUpdateSet(values)).execute()
      const change = pin.runIds === undefined
        ? { from: new Date(pin.from ?? 0).toISOString(), to: new Date(pin.to ?? 0).toISOString() }
        : { runIds: pin.runIds }
      await r.audit.add({ at: now, actor, action: 'pin', entity: 'baseline', entityId: targetId, change })
    })
    await this.trackChanges(targetId, 'baseline')
    return await targetBaseline(this.db, targetId)
  }

  /** Back to the rolling baseline; audited. */
  async unpinBaseline (targetId: string, actor: string): Promise<TargetBaseline> {
    await this.transaction(async (r, trx) => {
      if (await r.targets.get(targetId) === undefined) throw new TargetNotFound({ id: targetId })
      const now = Date.now()
      await trx.updateTable('target_baselines').set({ run_ids_json: null, from_ms: null, to_ms: null, updated_at: now })
        .where('target_id', '=', targetId).execute()
      await r.audit.add({ at: now, actor, action: 'unpin', entity: 'baseline', entityId: targetId, change: {} })
    })
    await this.trackChanges(targetId, 'baseline')
    return await targetBaseline(this.db, targetId)
  }

  /**
   * Accepts an open change as the new normal: the baseline restarts at the change's first run (a pinned baseline
   * is dropped, as it describes the old normal). Audited.
   */
  async acceptChange (targetId: string, changeId: string, actor: string): Promise<Change> {
    const accepted = await this.transaction(async (r, trx) => {
      const row = await trx.selectFrom('changes').selectAll().where('id', '=', changeId)
        .where('target_id', '=', targetId).executeTakeFirst()
      if (row === undefined) throw new ChangeNotFound({ targetId, id: changeId })
      if (row.state !== 'open') throw new ChangeNotOpen({ id: changeId, state: row.state })
      const now = Date.now()
      await trx.updateTable('changes').set({ state: 'accepted', accepted_at: now }).where('id', '=', changeId).execute()
      const values = {
        run_ids_json: null, from_ms: null, to_ms: null, accepted_at: Number(row.started_at), updated_at: now,
      }
      await trx.insertInto('target_baselines').values({ target_id: targetId, ...values })
        .onConflict((oc) => oc.column('target_id').doUpdateSet(values)).execute()
      await r.audit.add({
        at: now, actor, action: 'accept', entity: 'change', entityId: changeId,
        change: { targetId, metric: row.metric, startedAt: new Date(Number(row.started_at)).toISOString() },
      })
      return toChange({ ...row, state: 'accepted', accepted_at: now })
    })
    await this.trackChanges(targetId, 'baseline')
    return accepted
  }

  async ping (): Promise<void> {
    await sql`select 1`.execute(this.#handle.db)
  }

  async close (): Promise<void> {
    await this.#handle.close()
  }

  /** The agent's target list with its own last start per target, so a restarted agent does not burst. */
  async targetsForAgent (agentName: string): Promise<AgentTarget[]> {
    const [{ targets, defaultThresholds, secretHeaders }, starts, requests] = await Promise.all([
      this.#targets(), this.repos.targets.lastStartsOf(agentName), this.repos.targets.runRequests(),
    ])
    return targets.map((target) => {
      const last = starts.get(target.id)
      const requested = requests.get(target.id)
      // Secret values go only to agents, and only for targets they run.
      const secret = target.enabled || requested !== undefined ? secretHeaders.get(target.id) : undefined
      return {
        ...target,
        ...(requested === undefined ? {} : { runRequestedAt: new Date(requested).toISOString() }),
        lastStartedAt: last === undefined ? null : new Date(last).toISOString(),
        effectiveThresholds: thresholdsRecord(effectiveThresholds(defaultThresholds, target.thresholds)),
        ...(secret === undefined ? {} : { secretHeaders: secret.values }),
        ...(secret === undefined || secret.unreadable.length === 0
          ? {}
          : { unreadableSecretHeaders: secret.unreadable }),
      }
    })
  }

  /** The targets, the default thresholds (agents receive them merged into each target) and the opened secrets. */
  async #targets (): Promise<TargetsForAgents> {
    const cached = this.#targetsCache
    if (cached !== undefined && Date.now() - cached.at < TARGETS_CACHE_MS) return cached
    const generation = this.#targetsGeneration
    const at = Date.now()
    const [targets, config, sealed] = await Promise.all([
      this.repos.targets.list(), this.repos.config.get(), this.repos.targets.secretHeadersJsonByTarget(),
    ])
    const secretHeaders = new Map([...sealed].map(([id, json]) => [id, openSecretHeaders(this.secrets, json)]))
    const fresh = { at, targets, defaultThresholds: config.defaultThresholds, secretHeaders }
    // A write that committed while this read ran may not be in it: then don't cache it.
    if (generation === this.#targetsGeneration) this.#targetsCache = fresh
    return fresh
  }

  /** A target write: the cache is dropped before (no read started now may be cached) and after the commit. */
  async #writeTargets<T> (work: (repos: Repos, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    this.#targetsGeneration++
    this.#targetsCache = undefined
    try {
      return await this.transaction(work)
    } finally {
      this.#targetsGeneration++
      this.#targetsCache = undefined
    }
  }

  async createTarget (createSpec: TargetCreateSpec, actor: string): Promise<Target> {
    const { secretHeaders = {}, ...spec } = createSpec
    const issues = duplicateHeaderIssues(spec.headers ?? {}, secretHeaders)
    if (issues.length > 0) throw new RequestInvalid({ issues })
    return await this.#writeTargets(async (r) => {
      const now = Date.now()
      const { stored } = patchSecretHeaders({ box: this.secrets, stored: {}, patch: secretHeaders, now })
      const target = await r.targets.create({ id: randomUUID(), spec, now, secretHeadersJson: JSON.stringify(stored) })
      // The audit entry is the target as reads show it: secret header names, never their values.
      await r.audit.add({ at: now, actor, action: 'create', entity: 'target', entityId: target.id, change: target })
      return target
    })
  }

  async updateTarget (id: string, update: TargetUpdateSpec, actor: string): Promise<Target> {
    const { secretHeaders: secretPatch, ...rest } = update
    let patch: TargetSpecPatch = rest
    return await this.#writeTargets(async (r) => {
      const before = await r.targets.get(id)
      const sealedBefore = await r.targets.secretHeadersJsonOf(id)
      if (before === undefined || sealedBefore === undefined) throw new TargetNotFound({ id })
      const now = Date.now()
      const secret = secretPatch === undefined
        ? undefined
        : patchSecretHeaders({
          box: this.secrets, stored: parseStoredSecretHeaders(sealedBefore), patch: secretPatch, now,
        })
      const issues = duplicateHeaderIssues(patch.headers ?? before.headers ?? {}, secret?.stored ?? namesOnly(before))
      if (issues.length > 0) throw new RequestInvalid({ issues })
      // The dashboard shows the masked URL; sending it back unchanged keeps the real one.
      if (patch.url !== undefined && patch.url !== before.url && patch.url === maskUrl(before.url)) {
        patch = { ...patch, url: undefined }
      }
      await r.targets.update(id, patch, now, secret === undefined ? undefined : JSON.stringify(secret.stored))
      const diff: Record<string, unknown> = {}
      for (const [field, to] of Object.entries(patch)) {
        const from = before[field as keyof TargetSpec]
        if (to !== undefined && JSON.stringify(from) !== JSON.stringify(to)) diff[field] = { from, to }
      }
      // Redacted: which secret headers were set or removed, never a value.
      if (secret !== undefined && secret.set.length + secret.removed.length > 0) {
        diff.secretHeaders = { set: secret.set, removed: secret.removed }
      }
      await r.audit.add({ at: now, actor, action: 'update', entity: 'target', entityId: id, change: diff })
      const after = await r.targets.get(id)
      if (after === undefined) throw new TargetNotFound({ id })
      return after
    })
  }

  async deleteTarget (id: string, actor: string): Promise<void> {
    await this.#writeTargets(async (r, trx) => {
      const before = await r.targets.get(id)
      if (before === undefined) throw new TargetNotFound({ id })
      await r.targets.delete(id)
      await trx.deleteFrom('agent_target_starts').where('target_id', '=', id).execute()
      await r.counters.deleteOf(id)
      await r.audit.add({ at: Date.now(), actor, action: 'delete', entity: 'target', entityId: id, change: before })
    })
  }

  /**
   * Makes the managed sites what `spec.targets` says, in one transaction: every change lands, with its audit entry
   * and the revision, or none does. The plan is made inside the transaction, from what is there at that moment.
   */
  async applyTargets (spec: ApplySpec): Promise<{ changes: ApplyChange[], unchanged: number }> {
    if (spec.dryRun) {
      const { changes, unchanged } = planApply(await this.repos.targets.list(), spec)
      return { changes: changes.map(({ spec: _desired, ...change }) => change), unchanged }
    }
    return await this.#writeTargets(async (r, trx) => {
      const { changes, unchanged } = planApply(await r.targets.list(), spec)
      if (changes.length === 0) return { changes: [], unchanged }
      return { changes: await carryOutApply(r, trx, changes, spec), unchanged }
    })
  }

  async setConfig (update: { [K in keyof Config]?: Config[K] | undefined }, actor: string): Promise<Config> {
    return await this.#writeTargets(async (r) => {
      const before = await r.config.get()
      const config = { ...before, ...stripUndefined(update) } as Config
      await r.config.set(config)
      const diff: Diff = {}
      for (const key of Object.keys(config) as Array<keyof Config>) {
        const [from, to] = [before[key], config[key]]
        if (JSON.stringify(from) !== JSON.stringify(to)) diff[key] = { from, to }
      }
      await r.audit.add({ at: Date.now(), actor, action: 'update', entity: 'config', entityId: null, change: diff })
      return config
    })
  }

  /** What the per-site Prometheus series show: two queries, whatever the number of sites and runs. */
  async sitesMetricsData (): Promise<SitesData> {
    const [sites, counters, openChanges] = await Promise.all([
      siteSnapshots(this.db), this.repos.counters.all(),
      // Open changes are a handful per site at most: resolved and accepted ones are history.
      this.db.selectFrom('changes').select(['target_id', 'metric']).where('state', '=', 'open').execute(),
    ])
    const open = new Map<string, Set<string>>()
    for (const change of openChanges) {
      let metrics = open.get(change.target_id)
      if (metrics === undefined) open.set(change.target_id, metrics = new Set<string>())
      metrics.add(change.metric)
    }
    return { sites, counters, regressions: { metrics: CHANGE_METRICS, open } }
  }

  /** Targets with their latest figures: two short index range scans per target, never a scan of all runs. */
  async targetsWithStats (): Promise<TargetWithStats[]> {
    const targets = await this.repos.targets.list()
    return await Promise.all(targets.map(async (target) => {
      const [latest, measured, open] = await Promise.all([
        this.repos.runs.latestForTarget(target.id, 4),
        this.db.selectFrom('runs').select(['p95_ms', 'error_rate', 'started_at'])
          .where('target_id', '=', target.id).where('status', 'not in', ['running', 'aborted']).where('p95_ms', 'is not', null)
          .orderBy('started_at', 'desc').orderBy('id', 'desc').limit(TREND_POINTS).execute(),
        this.db.selectFrom('changes').select(['id', 'metric', 'direction', 'details_json'])
          .where('target_id', '=', target.id).where('state', '=', 'open').orderBy('detected_at').execute(),
      ])
      const last = latest[0]
      // The verdict is the newest finished run's; a site tested back to back is often running right now.
      // An aborted run (stopped on purpose) is no verdict either.
      const judged = latest.find((row) => row.status !== 'running' && row.status !== 'aborted')
      const newestMeasured = measured[0]
      return {
        ...target,
        stats: {
          lastRunAt: last === undefined ? null : new Date(Number(last.started_at)).toISOString(),
          lastStatus: last?.status ?? null,
          lastVerdict: judged?.status ?? null,
          lastFailureReason: judged === undefined
            ? null
            : toRun({ ...judged, target_label: null, target_url: null }).failureReason,
          openChanges: open.map((row) => ({
            id: row.id, metric: row.metric, direction: row.direction,
            relativeChange: relativeChangeOf(row.details_json),
          })),
          p95Ms: newestMeasured?.p95_ms ?? null,
          errorRate: newestMeasured?.error_rate ?? null,
          p95TrendMs: measured.map((row) => row.p95_ms ?? 0).reverse(),
        },
      }
    }))
  }
}
