import { sql, type Kysely } from 'kysely'

/**
 * At most one open change per site and metric, enforced by the database: two control-plane replicas judging runs
 * of the same site at once each saw no open row and inserted one. Duplicates such replicas left behind are resolved
 * first (the newest detection stays open), or the index could not be built.
 */
export async function oneOpenChangeMigration (db: Kysely<unknown>): Promise<void> {
  await sql`
    update changes set state = 'resolved', resolved_at = detected_at
    where state = 'open' and exists (
      select 1 from changes newer
      where newer.target_id = changes.target_id and newer.metric = changes.metric and newer.state = 'open'
        and (newer.detected_at > changes.detected_at or (newer.detected_at = changes.detected_at and newer.id > changes.id)))
  `.execute(db)
  await db.schema.createIndex('changes_one_open').on('changes').columns(['target_id', 'metric']).unique()
    .where(sql.ref('state'), '=', sql.lit('open')).execute()
}
