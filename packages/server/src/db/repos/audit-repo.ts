import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely'
import type { AuditEntry } from '@loadfleet/api'
import type { AuditRow, Database } from '../schema.js'
import { RequestInvalid } from '../../errors.js'
import { requestAddress } from '../../request-origin.js'

export interface AuditWrite {
  at: number
  actor: string
  action: string
  entity: string
  entityId: string | null
  change: Record<string, unknown>
  /** Defaults to the address of the request being served. */
  address?: string | null
}

/** What the audit page and the export narrow the trail to; every field is an exact match or a time bound. */
export interface AuditFilter {
  actor?: string | undefined
  action?: string | undefined
  entity?: string | undefined
  entityId?: string | undefined
  /** Epoch ms, inclusive. */
  sinceMs?: number | undefined
  /** Epoch ms, exclusive. */
  untilMs?: number | undefined
}

// An export reads the trail in pages of this many rows, so a long trail streams in bounded memory.
const EXPORT_PAGE_ROWS = 500

function decodeAuditCursor (cursor: string): number {
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new RequestInvalid({ issues: [{ path: 'querystring.cursor', message: 'expected a cursor from a previous page' }] })
  }
  return id
}

function toAuditEntry (row: Selectable<AuditRow>): AuditEntry {
  return {
    id: Number(row.id), at: new Date(Number(row.at)).toISOString(), actor: row.actor, action: row.action,
    entity: row.entity, entityId: row.entity_id, change: JSON.parse(row.change_json) as Record<string, unknown>,
    address: row.address,
  }
}

function filtered<O> (q: SelectQueryBuilder<Database, 'audit', O>, filter: AuditFilter): SelectQueryBuilder<Database, 'audit', O> {
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor)
  if (filter.action !== undefined) q = q.where('action', '=', filter.action)
  if (filter.entity !== undefined) q = q.where('entity', '=', filter.entity)
  if (filter.entityId !== undefined) q = q.where('entity_id', '=', filter.entityId)
  if (filter.sinceMs !== undefined) q = q.where('at', '>=', filter.sinceMs)
  if (filter.untilMs !== undefined) q = q.where('at', '<', filter.untilMs)
  return q
}

/** The audit trail: who changed what, when and from where, newest first; rows are only ever appended. */
export class AuditRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  async add (entry: AuditWrite): Promise<void> {
    await this.#db.insertInto('audit').values({
      at: entry.at, actor: entry.actor, action: entry.action, entity: entry.entity, entity_id: entry.entityId,
      change_json: JSON.stringify(entry.change),
      address: entry.address === undefined ? requestAddress() : entry.address,
    }).execute()
  }

  async list (query: AuditFilter & { cursor?: string | undefined, limit: number }): Promise<{
    data: AuditEntry[], nextCursor: string | null
  }> {
    let q = filtered(this.#db.selectFrom('audit').selectAll(), query)
    if (query.cursor !== undefined) q = q.where('id', '<', decodeAuditCursor(query.cursor))
    const rows = await q.orderBy('id', 'desc').limit(query.limit + 1).execute()
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    return {
      data: page.map(toAuditEntry),
      nextCursor: rows.length > query.limit && last !== undefined
        ? Buffer.from(String(last.id), 'utf8').toString('base64url')
        : null,
    }
  }

  /** Every matching entry, oldest first (the order a log is read and appended to), a page at a time. */
  async * all (filter: AuditFilter): AsyncGenerator<AuditEntry> {
    let after = 0
    for (;;) {
      const rows = await filtered(this.#db.selectFrom('audit').selectAll(), filter)
        .where('id', '>', after).orderBy('id', 'asc').limit(EXPORT_PAGE_ROWS).execute()
      for (const row of rows) yield toAuditEntry(row)
      const last = rows.at(-1)
      if (last === undefined || rows.length < EXPORT_PAGE_ROWS) return
      after = Number(last.id)
    }
  }
}
