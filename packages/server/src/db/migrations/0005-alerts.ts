import { sql, type Kysely } from 'kysely'

/** The default rules every installation starts with; ids are fixed so every replica seeds the same rows. */
export const BUILT_IN_RULES = [
  {
    id: 'builtin-regression', name: 'SiteRegression', condition: 'regression(p95, error_rate)', k: 1, m: 1,
    severity: 'warning', description: 'The detector found a lasting change in p95 latency or error rate.',
  },
  {
    id: 'builtin-failing', name: 'SiteFailing', condition: 'failed', k: 2, m: 3,
    severity: 'critical', description: 'Runs failed in 2 of the last 3.',
  },
  {
    id: 'builtin-no-run', name: 'SiteNotTested', condition: 'no_run > 3x', k: 1, m: 1,
    severity: 'warning', description: 'No run started for 3 times the site\'s run interval.',
  },
] as const

/** Alert rules, channels, silences, alert history, per-channel incident state and the notification outbox. */
export async function alertsMigration (db: Kysely<unknown>): Promise<void> {
  // Additive: targets get labels for rule selectors and silences; existing rows get none.
  await db.schema.alterTable('targets').addColumn('labels_json', 'text', (c) => c.notNull().defaultTo('{}')).execute()

  await db.schema.createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('condition', 'text', (c) => c.notNull())
    .addColumn('k', 'integer', (c) => c.notNull())
    .addColumn('m', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('labels_json', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('selector_json', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('built_in', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  const now = Date.now()
  await (db as Kysely<Record<string, Record<string, unknown>>>).insertInto('alert_rules').values(BUILT_IN_RULES.map((rule) => ({
    ...rule, labels_json: '{}', target_id: null, selector_json: '{}', enabled: 1, built_in: 1, created_at: now, updated_at: now,
  }))).execute()

  await db.schema.createTable('alert_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('send_resolved', 'integer', (c) => c.notNull())
    .addColumn('group_wait_ms', 'bigint', (c) => c.notNull())
    .addColumn('group_interval_ms', 'bigint', (c) => c.notNull())
    .addColumn('repeat_interval_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema.createTable('alert_silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('matchers_json', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('alert_silences_ends').on('alert_silences').column('ends_at').execute()

  // One row per incident: open while pending/firing, then kept as history once resolved.
  await db.schema.createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('labels_json', 'text', (c) => c.notNull())
    .addColumn('annotations_json', 'text', (c) => c.notNull())
    .addColumn('pending_at', 'bigint', (c) => c.notNull())
    .addColumn('firing_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  // At most one open alert per fingerprint, whatever races a replica could run into.
  await db.schema.createIndex('alerts_open_fingerprint').on('alerts').column('fingerprint').unique()
    .where(sql<boolean>`state <> 'resolved'`).execute()
  await db.schema.createIndex('alerts_state_resolved').on('alerts').columns(['state', 'resolved_at']).execute()

  // Per channel and incident group (a site): what was last sent, so each change is sent once.
  await db.schema.createTable('alert_groups')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('notified_json', 'text', (c) => c.notNull())
    .addColumn('last_notified_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_groups_pk', ['channel_id', 'group_key'])
    .execute()

  // The outbox: written in the same transaction as the state change, delivered (and retried) afterwards.
  await db.schema.createTable('alert_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute()
  await db.schema.createIndex('alert_notifications_due').on('alert_notifications').columns(['state', 'next_attempt_at']).execute()
  await db.schema.createIndex('alert_notifications_channel').on('alert_notifications').columns(['channel_id', 'state']).execute()
}
