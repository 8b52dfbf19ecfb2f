import type { Kysely } from 'kysely'

/**
 * The newest run at which the detector still saw an open change: a change resolves only after it has been unseen
 * for a couple of runs, so one normal run inside a lasting regression does not resolve it (and fire it again).
 */
export async function changeLastSeenMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('changes').addColumn('last_seen_run_id', 'text').execute()
}
