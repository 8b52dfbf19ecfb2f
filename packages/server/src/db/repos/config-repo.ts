import type { Kysely } from 'kysely'
import { DEFAULT_THRESHOLDS, type Config } from '@loadfleet/api'
import type { Database } from '../schema.js'

const DESIRED_COUNT_KEY = 'k6DesiredAgentCount'
const DEFAULT_THRESHOLDS_KEY = 'defaultThresholds'

/** Runtime settings admins change through the API (not environment settings). */
export class ConfigRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async get (): Promise<Config> {
    const rows = await this.#db.selectFrom('config').select(['key', 'value'])
      .where('key', 'in', [DESIRED_COUNT_KEY, DEFAULT_THRESHOLDS_KEY]).execute()
    const value = (key: string): string | undefined => rows.find((row) => row.key === key)?.value
    const count = value(DESIRED_COUNT_KEY)
    const thresholds = value(DEFAULT_THRESHOLDS_KEY)
    return {
      // Zero until an admin (or `loadfleet up`) asks for agents: starting processes is never implicit.
      k6DesiredAgentCount: count === undefined ? 0 : Number(count),
      defaultThresholds: thresholds === undefined
        ? structuredClone(DEFAULT_THRESHOLDS) as Record<string, string[]>
        : JSON.parse(thresholds) as Record<string, string[]>,
    }
  }

  async set (config: Config): Promise<void> {
    for (const [key, value] of [
      [DESIRED_COUNT_KEY, String(config.k6DesiredAgentCount)],
      [DEFAULT_THRESHOLDS_KEY, JSON.stringify(config.defaultThresholds)],
    ] as const) {
      await this.#db.insertInto('config').values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute()
    }
  }
}
