import type { Kysely } from 'kysely'

/**
 * Running totals per target (responses per status class, transport errors per kind, results per status), added to
 * as each result is stored, so Prometheus counters are read with one query instead of summed over every run.
 */
export async function targetCountersMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('target_counters')
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('target_counters_pk', ['target_id', 'name'])
    .execute()
}
