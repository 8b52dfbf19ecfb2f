import type { Kysely, Selectable } from 'kysely'
import type { BrowserRun, BrowserRunDetail, BrowserSite } from '@loadfleet/api'
import type { BrowserRunRow, BrowserSiteRow, Database } from '../schema.js'

/** A fully defaulted browser site as the admin API parsed it. */
export interface BrowserSiteSpec {
  url: string
  label: string
  check: Record<string, unknown>
  runIntervalMs: number
  enabled: boolean
  labels: Record<string, string>
}

/** A partial update, as the admin API parsed it. */
export type BrowserSiteSpecPatch = { [K in keyof BrowserSiteSpec]?: BrowserSiteSpec[K] | undefined }

/** The headline figures of a check kept as columns, so lists and trends never parse a result. */
export interface BrowserRunFigures {
  lcpMs: number | null
  cls: number | null
  ttfbMs: number | null
  loadMs: number | null
  tlsDaysUntilExpiry: number | null
}

const SITE_COLUMNS = {
  url: 'url', label: 'label', check: 'check_json', runIntervalMs: 'run_interval_ms', enabled: 'enabled',
  labels: 'labels_json',
} as const satisfies Record<keyof BrowserSiteSpec, keyof BrowserSiteRow>

type RunWithSite = Selectable<BrowserRunRow> &
  { site_label: string | null, site_url: string | null, shot: string | null }

function iso (ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString()
}

function num (value: number | null): number | null {
  return value === null ? null : Number(value)
}

export function toBrowserSite (row: Selectable<BrowserSiteRow>): BrowserSite {
  return {
    id: row.id, url: row.url, label: row.label, check: JSON.parse(row.check_json) as Record<string, unknown>,
    runIntervalMs: Number(row.run_interval_ms), enabled: row.enabled === 1,
    labels: JSON.parse(row.labels_json) as Record<string, string>,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  }
}

function toBrowserRun (row: RunWithSite): BrowserRun {
  return {
    id: row.id, siteId: row.site_id, siteLabel: row.site_label, siteUrl: row.site_url, agentName: row.agent_name,
    status: row.status, startedAt: new Date(Number(row.started_at)).toISOString(), finishedAt: iso(row.finished_at),
    failureReason: row.failure_reason, lcpMs: num(row.lcp_ms), cls: num(row.cls), ttfbMs: num(row.ttfb_ms),
    loadMs: num(row.load_ms), tlsDaysUntilExpiry: num(row.tls_days_until_expiry), hasScreenshot: row.shot !== null,
  }
}

/** Browser sites, their runs and screenshots. */
export class BrowserRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async listSites (): Promise<BrowserSite[]> {
    const rows = await this.#db.selectFrom('browser_sites').selectAll().orderBy('created_at').orderBy('id').execute()
    return rows.map(toBrowserSite)
  }

  async getSite (id: string): Promise<BrowserSite | undefined> {
    const row = await this.#db.selectFrom('browser_sites').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toBrowserSite(row)
  }

  async createSite (id: string, spec: BrowserSiteSpec, now: number): Promise<BrowserSite> {
    const row: BrowserSiteRow = {
      id, url: spec.url, label: spec.label, check_json: JSON.stringify(spec.check), run_interval_ms: spec.runIntervalMs,
      enabled: spec.enabled ? 1 : 0, labels_json: JSON.stringify(spec.labels), created_at: now, updated_at: now,
    }
    await this.#db.insertInto('browser_sites').values(row).execute()
    return toBrowserSite(row)
  }

  async updateSite (id: string, patch: BrowserSiteSpecPatch, now: number): Promise<void> {
    const set: Partial<BrowserSiteRow> = { updated_at: now }
    for (const [field, value] of Object.entries(patch) as Array<[keyof BrowserSiteSpec, unknown]>) {
      if (value === undefined) continue
      ;(set as Record<string, unknown>)[SITE_COLUMNS[field]] = typeof value === 'boolean'
        ? (value ? 1 : 0)
        : typeof value === 'object' && value !== null ? JSON.stringify(value) : value
    }
    await this.#db.updateTable('browser_sites').set(set).where('id', '=', id).execute()
  }

  async deleteSite (id: string): Promise<void> {
    await this.#db.deleteFrom('browser_sites').where('id', '=', id).execute()
    await this.#db.deleteFrom('browser_site_starts').where('site_id', '=', id).execute()
  }

  /** When this agent last started each site, by site id. */
  async lastStartsOf (agentName: string): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('browser_site_starts').select(['site_id', 'last_started_at'])
      .where('agent_name', '=', agentName).execute()
    return new Map(rows.map((row) => [row.site_id, Number(row.last_started_at)]))
  }

  /** Records a run's start (and the agent's last start of the site); false when the id is taken. */
  async startRun (run: { id: string, siteId: string, agentName: string, startedAt: number }): Promise<boolean> {
    const inserted = await this.#db.insertInto('browser_runs').values({
      id: run.id, site_id: run.siteId, agent_name: run.agentName, status: 'running', started_at: run.startedAt,
      finished_at: null, failure_reason: null, result_json: null, lcp_ms: null, cls: null, ttfb_ms: null,
      load_ms: null, tls_days_until_expiry: null, result_hash: null, reaped_at: null,
    }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst()
    await this.#db.insertInto('browser_site_starts')
      .values({ agent_name: run.agentName, site_id: run.siteId, last_started_at: run.startedAt })
      .onConflict((oc) => oc.columns(['agent_name', 'site_id']).doUpdateSet({ last_started_at: run.startedAt }))
      .execute()
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async runRow (id: string): Promise<Selectable<BrowserRunRow> | undefined> {
    return await this.#db.selectFrom('browser_runs').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async writeResult (id: string, result: {
    status: BrowserRunRow['status'], finishedAt: number, failureReason: string | null, resultJson: string | null,
    figures: BrowserRunFigures, resultHash: string, screenshot: { format: 'png' | 'jpeg', data: string } | null,
  }): Promise<void> {
    const f = result.figures
    await this.#db.updateTable('browser_runs').set({
      status: result.status, finished_at: result.finishedAt, failure_reason: result.failureReason,
      result_json: result.resultJson, lcp_ms: f.lcpMs, cls: f.cls, ttfb_ms: f.ttfbMs, load_ms: f.loadMs,
      tls_days_until_expiry: f.tlsDaysUntilExpiry, result_hash: result.resultHash, reaped_at: null,
    }).where('id', '=', id).execute()
    await this.#db.deleteFrom('browser_screenshots').where('run_id', '=', id).execute()
    if (result.screenshot !== null) {
      await this.#db.insertInto('browser_screenshots')
        .values({ run_id: id, format: result.screenshot.format, data: result.screenshot.data }).execute()
    }
  }

  /** Runs newest first, of one site or all. */
  async listRuns (options: { siteId?: string | undefined, limit: number }): Promise<BrowserRun[]> {
    let query = this.#runsQuery()
    if (options.siteId !== undefined) query = query.where('browser_runs.site_id', '=', options.siteId)
    const rows = await query.orderBy('browser_runs.started_at', 'desc').orderBy('browser_runs.id', 'desc')
      .limit(options.limit).execute()
    return rows.map(toBrowserRun)
  }

  async getRun (id: string): Promise<BrowserRunDetail | undefined> {
    const row = await this.#runsQuery().select('browser_runs.result_json').where('browser_runs.id', '=', id)
      .executeTakeFirst()
    if (row === undefined) return undefined
    const result = row.result_json === null ? null : JSON.parse(row.result_json) as Record<string, unknown>
    return { ...toBrowserRun(row), result }
  }

  async screenshotOf (runId: string): Promise<{ format: 'png' | 'jpeg', data: string } | undefined> {
    return await this.#db.selectFrom('browser_screenshots').select(['format', 'data'])
      .where('run_id', '=', runId).executeTakeFirst()
  }

  #runsQuery () {
    return this.#db.selectFrom('browser_runs')
      .leftJoin('browser_sites', 'browser_sites.id', 'browser_runs.site_id')
      .leftJoin('browser_screenshots', 'browser_screenshots.run_id', 'browser_runs.id')
      .selectAll('browser_runs')
      .select(['browser_sites.label as site_label', 'browser_sites.url as site_url', 'browser_screenshots.run_id as shot'])
  }
}
