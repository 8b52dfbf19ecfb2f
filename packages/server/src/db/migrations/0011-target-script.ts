import type { Kysely } from 'kysely'

/** A site's k6 script (JavaScript source, at most 256 KB), run by agents instead of a GET loop; null = a URL site. */
export async function targetScriptMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('targets').addColumn('script', 'text').execute()
}
