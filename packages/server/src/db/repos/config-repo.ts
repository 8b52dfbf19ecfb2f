import type { Kysely } from 'kysely'
import type { Config } from '@loadfleet/api'
import type { Database } from '../schema.js'

const DESIRED_COUNT_KEY = 'k6DesiredAgentCount'

/** Runtime settings admins change through the API (not environment settings). */
export class ConfigRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async get (): Promise<Config> {
    const row = await this.#db.selectFrom('config').select('value').where('key', '=', DESIRED_COUNT_KEY)
      .executeTakeFirst()
    // Zero until an admin (or `loadfleet up`) asks for agents: starting processes is never implicit.
    return { k6DesiredAgentCount: row === undefined ? 0 : Number(row.value) }
  }

  async set (config: Config): Promise<void> {
    const value = String(config.k6DesiredAgentCount)
    await this.#db.insertInto('config').values({ key: DESIRED_COUNT_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute()
  }
}
