import type { Kysely } from 'kysely'
import type { ApiToken, Role } from '@loadfleet/api'
import type { ApiTokenRow, Database } from '../schema.js'

function iso (ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString()
}

export function toApiToken (row: ApiTokenRow): ApiToken {
  return {
    id: row.id, name: row.name, role: row.role, createdAt: new Date(Number(row.created_at)).toISOString(),
    createdBy: row.created_by, expiresAt: iso(row.expires_at), lastUsedAt: iso(row.last_used_at),
  }
}

/** What authentication needs of a token found by its hash. */
export interface TokenGrant { id: string, name: string, role: Role, tokenHash: string, expiresAt: number | null }

/** API tokens, stored by their SHA-256 only. */
export class ApiTokensRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async insert (row: ApiTokenRow): Promise<void> {
    await this.#db.insertInto('api_tokens').values(row).execute()
  }

  async list (): Promise<ApiToken[]> {
    const rows = await this.#db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute()
    return rows.map(toApiToken)
  }

  async get (id: string): Promise<ApiToken | undefined> {
    const row = await this.#db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toApiToken(row)
  }

  async delete (id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async byHash (tokenHash: string): Promise<TokenGrant | undefined> {
    const row = await this.#db.selectFrom('api_tokens').select(['id', 'name', 'role', 'token_hash', 'expires_at'])
      .where('token_hash', '=', tokenHash).executeTakeFirst()
    if (row === undefined) return undefined
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at)
    return { id: row.id, name: row.name, role: row.role, tokenHash: row.token_hash, expiresAt }
  }

  /** Records a use; skipped while the last one recorded is recent, so a busy script does not write on every call. */
  async touch (id: string, now: number, minIntervalMs: number): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - minIntervalMs)])).execute()
  }
}
