import type { Kysely, Selectable } from 'kysely'
import type { Target } from '@loadfleet/api'
import type { Database, TargetRow } from '../schema.js'
import { secretHeadersShown } from '../../target-secret-headers.js'

/** A fully defaulted target as the admin API parsed it. */
export interface TargetSpec {
  url: string
  label: string
  vus: number
  durationS: number
  runIntervalMs: number
  enabled: boolean
  thresholds: Record<string, string[]>
  expectedStatuses: Array<number | string>
  /** Absent = no labels. */
  labels?: Record<string, string> | undefined
  /** Plain request headers; absent = none. */
  headers?: Record<string, string> | undefined
  /** The site's k6 script (already compiled once by the route); null or absent = a plain URL site. */
  script?: string | null | undefined
}

/** A partial update, as the admin API parsed it. */
export type TargetSpecPatch = { [K in keyof TargetSpec]?: TargetSpec[K] | undefined }

const FIELD_COLUMNS = {
  url: 'url', label: 'label', vus: 'vus', durationS: 'duration_s', runIntervalMs: 'run_interval_ms', enabled: 'enabled',
  thresholds: 'thresholds_json', expectedStatuses: 'expected_statuses_json',
  labels: 'labels_json', headers: 'headers_json', script: 'script',
} as const satisfies Record<keyof TargetSpec, keyof TargetRow>

export function toTarget (row: Selectable<TargetRow>): Target {
  const secret = secretHeadersShown(row.secret_headers_json)
  return {
    id: row.id,
    url: row.url,
    label: row.label,
    vus: row.vus,
    durationS: row.duration_s,
    runIntervalMs: Number(row.run_interval_ms),
    enabled: row.enabled === 1,
    thresholds: JSON.parse(row.thresholds_json) as Record<string, string[]>,
    expectedStatuses: JSON.parse(row.expected_statuses_json) as Array<number | string>,
    labels: JSON.parse(row.labels_json) as Record<string, string>,
    headers: JSON.parse(row.headers_json) as Record<string, string>,
    secretHeaderNames: secret.names,
    secretHeadersChangedAt: secret.changedAt,
    script: row.script ?? null,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  }
}

/** Targets: what the admins declared should be tested. */
export class TargetsRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async list (): Promise<Target[]> {
    const rows = await this.#db.selectFrom('targets').selectAll().orderBy('created_at').orderBy('id').execute()
    return rows.map(toTarget)
  }

  /** Asks the fleet to run a site once more after `now`; false when there is no such site. */
  async requestRun (id: string, now: number): Promise<boolean> {
    const result = await this.#db.updateTable('targets').set({ run_requested_at: now }).where('id', '=', id).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /** When a run was last asked for, by site (sites never asked for are absent). */
  async runRequests (): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('targets').select(['id', 'run_requested_at'])
      .where('run_requested_at', 'is not', null).execute()
    return new Map(rows.map((r) => [r.id, Number(r.run_requested_at)]))
  }

  async get (id: string): Promise<Target | undefined> {
    const row = await this.#db.selectFrom('targets').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toTarget(row)
  }

  /** `secretHeadersJson` is already sealed (see target-secret-headers.ts); absent = none. */
  async create (options: { id: string, spec: TargetSpec, now: number, secretHeadersJson?: string }): Promise<Target> {
    const { id, spec, now } = options
    const row: TargetRow = {
      id, url: spec.url, label: spec.label, vus: spec.vus, duration_s: spec.durationS,
      run_interval_ms: spec.runIntervalMs, enabled: spec.enabled ? 1 : 0,
      thresholds_json: JSON.stringify(spec.thresholds), expected_statuses_json: JSON.stringify(spec.expectedStatuses),
      created_at: now, updated_at: now,
      labels_json: JSON.stringify(spec.labels ?? {}),
      headers_json: JSON.stringify(spec.headers ?? {}),
      secret_headers_json: options.secretHeadersJson ?? '{}',
      script: spec.script ?? null, run_requested_at: null,
    }
    await this.#db.insertInto('targets').values(row).execute()
    return toTarget(row)
  }

  /** `secretHeadersJson`, when given, replaces the sealed secret headers. */
  async update (id: string, patch: TargetSpecPatch, now: number, secretHeadersJson?: string): Promise<void> {
    const set: Partial<TargetRow> = { updated_at: now }
    if (secretHeadersJson !== undefined) set.secret_headers_json = secretHeadersJson
    for (const [field, value] of Object.entries(patch) as Array<[keyof TargetSpec, TargetSpec[keyof TargetSpec]]>) {
      if (value === undefined) continue
      const column = FIELD_COLUMNS[field]
      ;(set as Record<string, unknown>)[column] = typeof value === 'boolean'
        ? (value ? 1 : 0)
        : typeof value === 'object' && value !== null ? JSON.stringify(value) : value
    }
    await this.#db.updateTable('targets').set(set).where('id', '=', id).execute()
  }

  /** The sealed secret headers of one target (JSON), or undefined when there is no such target. */
  async secretHeadersJsonOf (id: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('targets').select('secret_headers_json').where('id', '=', id).executeTakeFirst()
    return row?.secret_headers_json
  }

  /** The sealed secret headers (JSON) of every target that has any, by target id. */
  async secretHeadersJsonByTarget (): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('targets').select(['id', 'secret_headers_json'])
      .where('secret_headers_json', '!=', '{}').execute()
    return new Map(rows.map((row) => [row.id, row.secret_headers_json]))
  }

  async delete (id: string): Promise<void> {
    await this.#db.deleteFrom('targets').where('id', '=', id).execute()
  }

  /** When this agent last started each target, by target id. */
  async lastStartsOf (agentName: string): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('agent_target_starts').select(['target_id', 'last_started_at'])
      .where('agent_name', '=', agentName).execute()
    return new Map(rows.map((row) => [row.target_id, Number(row.last_started_at)]))
  }

  async recordStart (options: { agentName: string, targetId: string, startedAt: number }): Promise<void> {
    const { agentName, targetId, startedAt } = options
    await this.#db.insertInto('agent_target_starts')
      .values({ agent_name: agentName, target_id: targetId, last_started_at: startedAt })
      .onConflict((oc) => oc.columns(['agent_name', 'target_id']).doUpdateSet({ last_started_at: startedAt }))
      .execute()
  }
}
