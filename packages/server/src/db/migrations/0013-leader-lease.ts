import type { Kysely } from 'kysely'

/**
 * The leader lease of the control-plane replicas (PostgreSQL; on SQLite the one process always leads): who holds
 * it, its fencing token (one more at every change of holder) and when it expires by the database's clock (epoch ms).
 */
export async function leaderLeaseMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('leader_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
}
