import type { Kysely } from 'kysely'

/**
 * Where each audited request came from (the client address as the control plane sees it, after any trusted proxy),
 * and an index for the audit page's filters, which look entries up by what they are about.
 */
export async function auditAddressMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit').addColumn('address', 'text').execute()
  await db.schema.createIndex('audit_entity').on('audit').columns(['entity', 'entity_id']).execute()
}
