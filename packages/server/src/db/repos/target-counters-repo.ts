import type { Kysely } from 'kysely'
import { ERROR_KINDS } from '@loadfleet/core'
import type { Database } from '../schema.js'

/** Status classes counted per target; a 1xx final response is counted too but is not pre-filled with zero. */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const
export { ERROR_KINDS }

/** Run results counted per target. */
export const RESULT_STATUSES = ['passed', 'failed', 'error'] as const

/**
 * The counter increments one stored result brings: `status_<class>` per response, `error_<kind>` per transport
 * failure, and `runs_<status>` once. The summary comes from an agent, so anything not shaped as expected is ignored.
 */
export function countersOfResult (status: string, summary: Record<string, unknown> | null): Record<string, number> {
  const counts: Record<string, number> = { [`runs_${status}`]: 1 }
  const add = (name: string, n: unknown): void => {
    if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) counts[name] = (counts[name] ?? 0) + n
  }
  const statusCodes = summary?.statusCodes
  if (typeof statusCodes === 'object' && statusCodes !== null) {
    for (const [code, n] of Object.entries(statusCodes)) {
      if (/^[1-5]\d\d$/.test(code)) add(`status_${code[0] ?? ''}xx`, n)
    }
  }
  const errorKinds = summary?.errorKinds
  if (typeof errorKinds === 'object' && errorKinds !== null) {
    for (const [kind, n] of Object.entries(errorKinds)) {
      if ((ERROR_KINDS as readonly string[]).includes(kind)) add(`error_${kind}`, n)
    }
  }
  return counts
}

/** Running totals per target, added to in the transaction that stores each result. */
export class TargetCountersRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async add (targetId: string, counts: Record<string, number>): Promise<void> {
    const rows = Object.entries(counts).map(([name, value]) => ({ target_id: targetId, name, value }))
    if (rows.length === 0) return
    await this.#db.insertInto('target_counters').values(rows)
      .onConflict((oc) => oc.columns(['target_id', 'name'])
        .doUpdateSet((eb) => ({ value: eb('target_counters.value', '+', eb.ref('excluded.value')) })))
      .execute()
  }

  /** Every counter of every target: a few rows per target, read in one query. */
  async all (): Promise<Map<string, Map<string, number>>> {
    const rows = await this.#db.selectFrom('target_counters').select(['target_id', 'name', 'value']).execute()
    const byTarget = new Map<string, Map<string, number>>()
    for (const row of rows) {
      let counters = byTarget.get(row.target_id)
      if (counters === undefined) byTarget.set(row.target_id, counters = new Map<string, number>())
      counters.set(row.name, Number(row.value)) // bigint arrives as a string on PostgreSQL
    }
    return byTarget
  }

  async deleteOf (targetId: string): Promise<void> {
    await this.#db.deleteFrom('target_counters').where('target_id', '=', targetId).execute()
  }
}
