import { createHash, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AppSummary, Gate, GateDetail, GateEvidence } from '@loadfleet/api'
import { GateEvidence as GateEvidenceSchema, MANAGED_BY_APPLY, MANAGED_BY_LABEL } from '@loadfleet/api'
import type { Database, GateAppRow, GateRow } from '../schema.js'

const iso = (ms: number): string => new Date(Number(ms)).toISOString()

/** Options of `GatesRepo.record`. */
export interface RecordGateOptions {
  evidence: GateEvidence
  /** The evidence file's text, kept as sent. */
  text: string
  actor: string
  now: number
}

/** Gates as versioned artifacts of their app and revision, and the apps the gates described. */
export class GatesRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  /** Stores a gate, each app's status and test run, and refreshes the apps it describes; call in a transaction. */
  async record (options: RecordGateOptions): Promise<Gate> {
    const { evidence: e, text, actor, now } = options
    const row: GateRow = {
      id: randomUUID(), app: e.app, revision: e.revision, verdict: e.verdict, mode: e.mode, actor,
      started_at: Date.parse(e.startedAt), finished_at: Date.parse(e.finishedAt),
      baseline_revision: e.baseline?.revision ?? null, evidence: text,
      evidence_sha256: createHash('sha256').update(text, 'utf8').digest('hex'), recorded_at: now,
    }
    await this.#db.insertInto('gates').values(row).execute()
    const apps: GateAppRow[] = e.apps.map((a, position) =>
      ({ gate_id: row.id, app: a.name, position, status: a.status, reason: a.reason }))
    await this.#db.insertInto('gate_apps').values(apps).execute()
    const runs = e.apps.flatMap((a) => a.tests.map((t) => ({
      gate_id: row.id, app: a.name, test: t.name, status: t.status, run_id: t.runId,
      metrics_json: JSON.stringify(t.metrics),
    })))
    if (runs.length > 0) await this.#db.insertInto('gate_runs').values(runs).execute()
    for (const a of e.apps) {
      const children = e.order.filter((name) => e.apps.find((x) => x.name === name)?.parent === a.name)
      const values = {
        parent: a.parent, depends_on_json: JSON.stringify(a.dependsOn), children_json: JSON.stringify(children),
        file: a.file,
        tests_json: JSON.stringify(a.tests.map((t) => ({ name: t.name, kind: t.kind, location: t.location }))),
        updated_at: now,
      }
      await this.#db.insertInto('apps').values({ name: a.name, ...values })
        .onConflict((oc) => oc.column('name').doUpdateSet(values)).execute()
    }
    return toGate(row, apps)
  }

  /** Every app the gates have described, root apps first, each with its last gate status. */
  async listApps (): Promise<AppSummary[]> {
    const rows = await this.#db.selectFrom('apps').selectAll().orderBy('name').execute()
    const sites = await this.#managedSites()
    const summaries = await Promise.all(rows.map(async (r): Promise<AppSummary> => {
      const tests = JSON.parse(r.tests_json) as Array<{ name: string, kind: string, location: string }>
      return {
        name: r.name, parent: r.parent, file: r.file,
        dependsOn: JSON.parse(r.depends_on_json) as string[], children: JSON.parse(r.children_json) as string[],
        tests: tests.map((t) => ({ ...t, targetId: sites.get(`${r.name}/${t.name}`) ?? null })),
        lastGate: await this.#lastGateOf(r.name),
      }
    }))
    return summaries
  }

  async getApp (name: string): Promise<AppSummary | undefined> {
    return (await this.listApps()).find((a) => a.name === name)
  }

  /** Gates covering `app`, newest first; `own`: only gates of the app itself; `passing`: only pass and warn. */
  async listGates (app: string, query: { passing?: boolean, own?: boolean, limit: number }): Promise<Gate[]> {
    let q = this.#db.selectFrom('gates').innerJoin('gate_apps', 'gate_apps.gate_id', 'gates.id')
      .selectAll('gates').where('gate_apps.app', '=', app)
    if (query.own === true) q = q.where('gates.app', '=', app)
    if (query.passing === true) q = q.where('gates.verdict', 'in', ['pass', 'warn'])
    const rows = await q.orderBy('gates.recorded_at', 'desc').orderBy('gates.id').limit(query.limit).execute()
    return await Promise.all(rows.map(async (row) => toGate(row, await this.#appsOf(row.id))))
  }

  /** The latest gate covering `app` at `revision` (only pass and warn when `passing`), with its evidence and runs. */
  async gateAt (app: string, revision: string, passing: boolean):
  Promise<{ detail: GateDetail, text: string } | undefined> {
    let q = this.#db.selectFrom('gates').innerJoin('gate_apps', 'gate_apps.gate_id', 'gates.id')
      .selectAll('gates').where('gate_apps.app', '=', app).where('gates.revision', '=', revision)
    if (passing) q = q.where('gates.verdict', 'in', ['pass', 'warn'])
    const row = await q.orderBy('gates.recorded_at', 'desc').orderBy('gates.id').limit(1).executeTakeFirst()
    if (row === undefined) return undefined
    const runs = await this.#db.selectFrom('gate_runs').selectAll().where('gate_id', '=', row.id).execute()
    const order = await this.#appsOf(row.id)
    const position = new Map(order.map((a, i) => [a.app, i]))
    runs.sort((a, b) => (position.get(a.app) ?? 0) - (position.get(b.app) ?? 0))
    const detail: GateDetail = {
      ...toGate(row, order), evidence: GateEvidenceSchema.parse(JSON.parse(row.evidence)),
      runs: runs.map((r) => ({ app: r.app, test: r.test, status: r.status, runId: r.run_id,
        metrics: JSON.parse(r.metrics_json) as Record<string, number> })),
    }
    return { detail, text: row.evidence }
  }

  async #appsOf (gateId: string): Promise<GateAppRow[]> {
    return await this.#db.selectFrom('gate_apps').selectAll().where('gate_id', '=', gateId).orderBy('position').execute()
  }

  async #lastGateOf (app: string): Promise<AppSummary['lastGate']> {
    const row = await this.#db.selectFrom('gates').innerJoin('gate_apps', 'gate_apps.gate_id', 'gates.id')
      .select(['gates.id', 'gates.revision', 'gates.finished_at', 'gate_apps.status'])
      .where('gate_apps.app', '=', app).orderBy('gates.recorded_at', 'desc').orderBy('gates.id').limit(1)
      .executeTakeFirst()
    return row === undefined
      ? null
      : { gateId: row.id, status: row.status, revision: row.revision, finishedAt: iso(row.finished_at) }
  }

  /** Managed sites by `app/test`, so the Apps page links a test to its site. */
  async #managedSites (): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('targets').select(['id', 'labels_json']).execute()
    const sites = new Map<string, string>()
    for (const row of rows) {
      const labels = JSON.parse(row.labels_json) as Record<string, string>
      if (labels[MANAGED_BY_LABEL] === MANAGED_BY_APPLY) sites.set(`${labels.app}/${labels.test}`, row.id)
    }
    return sites
  }
}

function toGate (row: GateRow, apps: readonly GateAppRow[]): Gate {
  return {
    id: row.id, app: row.app, revision: row.revision, verdict: row.verdict, mode: row.mode, actor: row.actor,
    startedAt: iso(row.started_at), finishedAt: iso(row.finished_at), baselineRevision: row.baseline_revision,
    evidenceSha256: row.evidence_sha256, apps: apps.map((a) => ({ name: a.app, status: a.status })),
    recordedAt: iso(row.recorded_at),
  }
}
