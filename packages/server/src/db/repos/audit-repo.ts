import type { Kysely } from 'kysely'
import type { AuditEntry } from '@loadfleet/api'
import type { Database } from '../schema.js'
import { RequestInvalid } from '../../errors.js'

export interface AuditWrite {
  at: number
  actor: string
  action: string
  entity: string
  entityId: string | null
  change: Record<string, unknown>
}

function decodeAuditCursor (cursor: string): number {
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new RequestInvalid({ issues: [{ path: 'querystring.cursor', message: 'expected a cursor from a previous page' }] })
  }
  return id
}

/** The audit trail: who changed what and when, newest first; rows are only ever appended. */
export class AuditRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async add (entry: AuditWrite): Promise<void> {
    await this.#db.insertInto('audit').values({
      at: entry.at, actor: entry.actor, action: entry.action, entity: entry.entity, entity_id: entry.entityId,
      change_json: JSON.stringify(entry.change),
    }).execute()
  }

  async list (query: { cursor?: string | undefined, limit: number }): Promise<{
    data: AuditEntry[], nextCursor: string | null
  }> {
    let q = this.#db.selectFrom('audit').selectAll()
    if (query.cursor !== undefined) q = q.where('id', '<', decodeAuditCursor(query.cursor))
    const rows = await q.orderBy('id', 'desc').limit(query.limit + 1).execute()
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    return {
      data: page.map((row) => ({
        id: Number(row.id), at: new Date(Number(row.at)).toISOString(), actor: row.actor, action: row.action,
        entity: row.entity, entityId: row.entity_id, change: JSON.parse(row.change_json) as Record<string, unknown>,
      })),
      nextCursor: rows.length > query.limit && last !== undefined
        ? Buffer.from(String(last.id), 'utf8').toString('base64url')
        : null,
    }
  }
}
