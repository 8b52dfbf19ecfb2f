import type { Kysely } from 'kysely'

/**
 * A target's request headers: plain ones as JSON, and secret ones as JSON of `{ name: { value, changedAt } }` where
 * each value is sealed by the SecretBox (a database file or dump alone reveals none of them).
 */
export async function targetHeadersMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('targets').addColumn('headers_json', 'text', (c) => c.notNull().defaultTo('{}')).execute()
  await db.schema.alterTable('targets')
    .addColumn('secret_headers_json', 'text', (c) => c.notNull().defaultTo('{}')).execute()
}
