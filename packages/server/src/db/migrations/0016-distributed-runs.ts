import type { Kysely } from 'kysely'

/**
 * Distributed runs: one test shared by several agents, each running one execution segment of it (a part). A part
 * row holds its agent once accepted and its reported result, kept even when another part fails. An agent takes at
 * most one part of a run (unique per run and agent; a NULL agent is an open part, and NULLs never collide).
 */
export async function distributedRunsMigration (db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('distributed_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('agents', 'integer', (c) => c.notNull())
    .addColumn('sequence', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('planned_ms', 'bigint', (c) => c.notNull())
    .addColumn('thresholds_json', 'text', (c) => c.notNull())
    .addColumn('trend_stats_json', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('accept_by', 'bigint', (c) => c.notNull())
    .addColumn('start_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('failure_reason', 'text')
    .addColumn('result_json', 'text')
    .execute()
  await db.schema.createIndex('distributed_runs_status').on('distributed_runs').columns(['status', 'created_at'])
    .execute()
  await db.schema.createTable('run_parts')
    .addColumn('run_id', 'text', (c) => c.notNull().references('distributed_runs.id').onDelete('cascade'))
    .addColumn('part_index', 'integer', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('agent_name', 'text')
    .addColumn('accepted_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('error_message', 'text')
    .addColumn('requests', 'bigint')
    .addColumn('result_json', 'text')
    .addPrimaryKeyConstraint('run_parts_pk', ['run_id', 'part_index'])
    .execute()
  await db.schema.createIndex('run_parts_one_per_agent').on('run_parts').columns(['run_id', 'agent_name']).unique()
    .execute()
}
