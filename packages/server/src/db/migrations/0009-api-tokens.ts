import type { Kysely } from 'kysely'

/**
 * API tokens for CI and scripts: only the SHA-256 of each is stored (a token is 256 random bits, so a plain hash
 * cannot be reversed by guessing). A revoked token's row is deleted, so it cannot authenticate again.
 */
export async function apiTokensMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute()
}
