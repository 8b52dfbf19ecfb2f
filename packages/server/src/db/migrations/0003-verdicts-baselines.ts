import type { Kysely } from 'kysely'

/**
 * Verdicts, histograms, baselines and detected changes: each site's thresholds and expected statuses, each run's
 * judged verdict and request counts, the latency histogram per run, pinned baselines and the changes table.
 */
export async function verdictsBaselinesMigration (db: Kysely<unknown>): Promise<void> {
  // SQLite adds one column per statement; constant defaults fill the rows already there.
  await db.schema.alterTable('targets')
    .addColumn('thresholds_json', 'text', (c) => c.notNull().defaultTo('{}')).execute()
  await db.schema.alterTable('targets')
    .addColumn('expected_statuses_json', 'text', (c) => c.notNull().defaultTo('["200-399"]')).execute()

  for (const [column, type] of [
    ['failure_reason', 'text'], ['verdict_json', 'text'], ['requests', 'bigint'], ['failed_requests', 'bigint'],
    ['status_counts_json', 'text'], ['error_kinds_json', 'text'],
  ] as const) {
    await db.schema.alterTable('runs').addColumn(column, type).execute()
  }

  // Histograms live apart from the runs so listing runs never reads them; one row per run and metric.
  await db.schema.createTable('run_histograms')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('histogram', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_histograms_pk', ['run_id', 'metric'])
    .execute()

  await db.schema.createTable('target_baselines')
    .addColumn('target_id', 'text', (c) => c.primaryKey())
    .addColumn('run_ids_json', 'text')
    .addColumn('from_ms', 'bigint')
    .addColumn('to_ms', 'bigint')
    .addColumn('accepted_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema.createTable('changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_run_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('detected_at', 'bigint', (c) => c.notNull())
    .addColumn('detected_run_id', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('accepted_at', 'bigint')
    .addColumn('details_json', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('changes_target_state').on('changes').columns(['target_id', 'state', 'detected_at']).execute()
  await db.schema.createIndex('changes_target_detected').on('changes').columns(['target_id', 'detected_at']).execute()
}
