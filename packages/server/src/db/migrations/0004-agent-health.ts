import type { Kysely } from 'kysely'

/**
 * What an agent reports about its own health: the heartbeat interval it keeps (so the reaper knows when it is
 * lost), results it had to give up on (dead letters) and why it cannot take work (degraded, e.g. a full disk).
 */
export async function agentHealthMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('heartbeat_interval_ms', 'bigint').execute()
  await db.schema.alterTable('agents').addColumn('dead_letters', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('agents').addColumn('degraded_reason', 'text').execute()
}
