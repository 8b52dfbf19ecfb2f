import { createHash, randomUUID } from 'node:crypto'
import { sql, type Kysely, type Selectable } from 'kysely'
import { parseAlertCondition, type AlertCondition } from '@loadfleet/api'
import type { AlertRow, AlertRuleRow, Database, RunRow, TargetRow } from '../db/schema.js'
import { targetBaseline } from '../judging/track-changes.js'
import { matchesAll, type Labels } from './alerts-repo.js'
import { evaluateCondition, type ConditionResult, type OpenChange, type RunFigures } from './conditions.js'

// Runs read per site: the largest m (20) plus a baseline of 10, with room for runs without figures.
const RUNS_PER_SITE = 40

interface ParsedRule { row: Selectable<AlertRuleRow>, condition: AlertCondition }

export interface EvaluationResult {
  /** Alerts created, moved to firing or resolved by this pass. */
  transitions: number
}

/** Stable per rule and site, so an incident keeps its identity across passes and restarts. */
export function fingerprintOf (ruleId: string, targetId: string): string {
  return createHash('sha256').update(`${ruleId}\0${targetId}`).digest('hex').slice(0, 16)
}

function siteName (target: Selectable<TargetRow>): string {
  if (target.label !== '') return target.label
  try {
    return new URL(target.url).host // never the query string: it may carry tokens
  } catch {
    return target.id
  }
}

function appliesTo (rule: Selectable<AlertRuleRow>, target: Selectable<TargetRow>): boolean {
  if (rule.target_id !== null) return rule.target_id === target.id
  const selector = JSON.parse(rule.selector_json) as Labels
  const matchers = Object.entries(selector).map(([name, value]) => ({ name, value, isEqual: true }))
  return matchesAll(matchers, JSON.parse(target.labels_json) as Labels)
}

/** Whether the detector's `changes` table exists yet (it arrives with its own migration). */
async function hasChangesTable (db: Kysely<Database>): Promise<boolean> {
  const tables = await db.introspection.getTables()
  return tables.some((t) => t.name === 'changes')
}

async function openChangesBySite (db: Kysely<Database>): Promise<Map<string, OpenChange[]>> {
  const bySite = new Map<string, OpenChange[]>()
  if (!(await hasChangesTable(db))) return bySite
  const { rows } = await sql<{ target_id: string, metric: string, started_at: number, details_json: string | null }>`
    select target_id, metric, started_at, details_json from changes where state = 'open'`.execute(db)
  for (const row of rows) {
    let relativeChange: number | null = null
    try {
      const details = JSON.parse(row.details_json ?? '{}') as { relativeChange?: unknown }
      if (typeof details.relativeChange === 'number') relativeChange = details.relativeChange
    } catch { /* details are informative only */ }
    const list = bySite.get(row.target_id) ?? []
    list.push({ metric: row.metric, relativeChange, startedAt: Number(row.started_at) })
    bySite.set(row.target_id, list)
  }
  return bySite
}

const FIGURE_COLUMNS = ['id', 'status', 'started_at', 'p50_ms', 'p95_ms', 'p99_ms', 'avg_ms', 'error_rate', 'rps'] as const

function figuresOf (rows: Array<Selectable<Pick<RunRow, typeof FIGURE_COLUMNS[number]>>>): RunFigures[] {
  // An aborted run was stopped on purpose: no figure of the site's, so no rule counts it.
  return rows.filter((r) => r.status !== 'running' && r.status !== 'aborted').map((r) => ({
    id: r.id, status: r.status as RunFigures['status'], startedAt: Number(r.started_at), p50: r.p50_ms, p95: r.p95_ms,
    p99: r.p99_ms, avg: r.avg_ms, error_rate: r.error_rate, rps: r.rps,
  }))
}

async function siteRuns (db: Kysely<Database>, targetId: string):
Promise<{ runs: RunFigures[], lastStartedAt: number | null }> {
  const rows = await db.selectFrom('runs').select(FIGURE_COLUMNS).where('target_id', '=', targetId)
    .orderBy('started_at', 'desc').orderBy('id', 'desc')
    .limit(RUNS_PER_SITE).execute()
  return { runs: figuresOf(rows), lastStartedAt: rows[0] === undefined ? null : Number(rows[0].started_at) }
}

/** The runs a site is judged against (see targetBaseline), for relative conditions. */
async function baselineRunsOf (db: Kysely<Database>, targetId: string): Promise<RunFigures[]> {
  const { runIds } = await targetBaseline(db, targetId)
  if (runIds.length === 0) return []
  return figuresOf(await db.selectFrom('runs').select(FIGURE_COLUMNS).where('id', 'in', runIds).execute())
}

function alertLabels (rule: Selectable<AlertRuleRow>, target: Selectable<TargetRow>): Labels {
  return {
    ...JSON.parse(target.labels_json) as Labels,
    ...JSON.parse(rule.labels_json) as Labels,
    alertname: rule.name, severity: rule.severity, site_id: target.id, site: siteName(target), rule_id: rule.id,
  }
}

function alertAnnotations (
  rule: Selectable<AlertRuleRow>, target: Selectable<TargetRow>, result: ConditionResult,
): Labels {
  return {
    summary: `${rule.name} on ${siteName(target)}: ${result.observed}`,
    description: rule.description,
    condition: `${rule.condition} in ${rule.k} of the last ${rule.m} runs`,
  }
}

/** Applies one evaluation to the alert history: create, promote, refresh or resolve; returns whether state moved. */
async function applyResult (db: Kysely<Database>, options: {
  open: Selectable<AlertRow> | undefined, rule: Selectable<AlertRuleRow>, target: Selectable<TargetRow>,
  result: ConditionResult, now: number
}): Promise<boolean> {
  const { open, rule, target, result, now } = options
  const labels = JSON.stringify(alertLabels(rule, target))
  const annotations = JSON.stringify(alertAnnotations(rule, target, result))
  if (open === undefined) {
    if (result.state === 'inactive') return false
    await db.insertInto('alerts').values({
      id: randomUUID(), fingerprint: fingerprintOf(rule.id, target.id), rule_id: rule.id, target_id: target.id,
      state: result.state, severity: rule.severity, labels_json: labels, annotations_json: annotations,
      pending_at: now, firing_at: result.state === 'firing' ? now : null, resolved_at: null, updated_at: now,
    }).execute()
    return true
  }
  // A firing alert stays firing until k of m no longer hold; a pending one lapses when the newest run is fine.
  const next = result.state === 'firing' ? 'firing' : open.state === 'pending' && result.state === 'pending' ? 'pending' : 'resolved'
  if (next === 'resolved') {
    await db.updateTable('alerts').set({ state: 'resolved', resolved_at: now, updated_at: now }).where('id', '=', open.id).execute()
    return true
  }
  if (next === open.state && labels === open.labels_json && annotations === open.annotations_json) return false
  await db.updateTable('alerts').set({
    state: next, severity: rule.severity, labels_json: labels, annotations_json: annotations, updated_at: now,
    ...(next === 'firing' && open.firing_at === null ? { firing_at: now } : {}),
  }).where('id', '=', open.id).execute()
  return next !== open.state
}

/**
 * One idempotent evaluation pass over every enabled site and rule, reading only the store: run twice, or after a
 * crash, it reaches the same alert states. Alerts whose rule or site went away are resolved.
 */
export async function evaluateAlerts (db: Kysely<Database>, now: number): Promise<EvaluationResult> {
  const [targets, ruleRows, openRows, changes] = await Promise.all([
    db.selectFrom('targets').selectAll().where('enabled', '=', 1).execute(),
    db.selectFrom('alert_rules').selectAll().where('enabled', '=', 1).execute(),
    db.selectFrom('alerts').selectAll().where('state', '!=', 'resolved').execute(),
    openChangesBySite(db),
  ])
  const rules: ParsedRule[] = []
  for (const row of ruleRows) {
    const condition = parseAlertCondition(row.condition)
    if (typeof condition !== 'string') rules.push({ row, condition })
  }
  const open = new Map(openRows.map((row) => [row.fingerprint, row]))
  const seen = new Set<string>()
  let transitions = 0
  for (const target of targets) {
    const applicable = rules.filter((rule) => appliesTo(rule.row, target))
    if (applicable.length === 0) continue
    const { runs, lastStartedAt } = await siteRuns(db, target.id)
    const baselineRuns = applicable.some((rule) => rule.condition.kind === 'relative')
      ? await baselineRunsOf(db, target.id)
      : undefined
    for (const rule of applicable) {
      const fingerprint = fingerprintOf(rule.row.id, target.id)
      seen.add(fingerprint)
      const result = evaluateCondition({
        condition: rule.condition, k: rule.row.k, m: rule.row.m, runs, openChanges: changes.get(target.id) ?? [],
        ...(baselineRuns === undefined ? {} : { baselineRuns }),
        runIntervalMs: Number(target.run_interval_ms),
        lastRunOrCreatedAt: Math.max(lastStartedAt ?? 0, Number(target.created_at), Number(target.updated_at)),
        now,
      })
      if (await applyResult(db, { open: open.get(fingerprint), rule: rule.row, target, result, now })) transitions++
    }
  }
  const orphans = openRows.filter((row) => !seen.has(row.fingerprint)).map((row) => row.id)
  if (orphans.length > 0) {
    await db.updateTable('alerts').set({ state: 'resolved', resolved_at: now, updated_at: now }).where('id', 'in', orphans).execute()
    transitions += orphans.length
  }
  return { transitions }
}
