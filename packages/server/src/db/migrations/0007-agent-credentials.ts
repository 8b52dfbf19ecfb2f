import type { Kysely } from 'kysely'

/**
 * Each agent's own credential, issued at registration: only its SHA-256 is stored (the credential is 256 random
 * bits, so a plain hash cannot be reversed by guessing). Agents registered before have none until they register
 * again, which they do on their own at the first 401.
 */
export async function agentCredentialsMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('credential_hash', 'text').execute()
  // Finds whose credential a refused request carried (403 rather than 401); unique, as every credential is fresh.
  await db.schema.createIndex('agents_credential_hash').on('agents').column('credential_hash').unique().execute()
}
