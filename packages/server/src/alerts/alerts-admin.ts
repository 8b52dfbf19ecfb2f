import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { z } from 'zod'
import type {
  AlertChannel, AlertChannelCreate, AlertChannelPatch, AlertRule, AlertRuleCreate, AlertRulePatch, Silence,
  SilenceCreate,
} from '@loadfleet/api'
import type { Store } from '../db/store.js'
import type { AlertChannelRow, AlertRuleRow, Database } from '../db/schema.js'
import { AuditRepo } from '../db/repos/audit-repo.js'
import { AlertChannelNotFound, AlertRuleBuiltIn, AlertRuleNotFound, RequestInvalid, SilenceNotFound } from '../errors.js'
import { AlertsRepo, displayUrl, toAlertRule, toSilence } from './alerts-repo.js'

// Alertmanager forgets an alert not re-sent within its resolve_timeout (5 min by default): remind it every minute.
const ALERTMANAGER_REPEAT_MS = 60_000
// Other receivers are people: remind them of a still-firing incident every 4 hours, like Alertmanager's default.
const DEFAULT_REPEAT_MS = 4 * 3_600_000

/** Request bodies as the route schemas parsed them (defaults applied). */
export type RuleSpec = z.output<typeof AlertRuleCreate>
export type RulePatchSpec = z.output<typeof AlertRulePatch>
export type ChannelSpec = z.output<typeof AlertChannelCreate>
export type ChannelPatchSpec = z.output<typeof AlertChannelPatch>
export type SilenceSpec = z.output<typeof SilenceCreate>

/** What an audit entry may say about a channel: not its secret, and its URL only as read APIs show it. */
function auditableChannel (row: Partial<AlertChannelRow>, type: AlertChannelRow['type'], plainUrl: string | undefined):
Record<string, unknown> {
  const { secret, url: _sealed, ...rest } = row
  return {
    ...rest,
    ...(plainUrl === undefined ? {} : { url: displayUrl(type, plainUrl) }),
    ...(secret === undefined ? {} : { secretSet: secret !== null }),
  }
}

async function assertTargetExists (db: Kysely<Database>, targetId: string | null | undefined): Promise<void> {
  if (targetId === null || targetId === undefined) return
  const found = await db.selectFrom('targets').select('id').where('id', '=', targetId).executeTakeFirst()
  if (found === undefined) throw new RequestInvalid({ issues: [{ path: 'body.targetId', message: `no target with id "${targetId}"` }] })
}

/** Admin writes to rules, channels and silences; each lands together with its audit entry. */
export class AlertsAdmin {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  async #write<T> (work: (trx: Kysely<Database>, audit: AuditRepo, repo: AlertsRepo) => Promise<T>): Promise<T> {
    return await this.#store.transaction(async (_repos, trx) =>
      await work(trx, new AuditRepo(trx), new AlertsRepo(trx, this.#store.secrets)))
  }

  async createRule (spec: RuleSpec, actor: string): Promise<AlertRule> {
    return await this.#write(async (trx, audit) => {
      await assertTargetExists(trx, spec.targetId)
      const now = Date.now()
      const row: AlertRuleRow = {
        id: randomUUID(), name: spec.name, condition: spec.condition.trim(), k: spec.k, m: spec.m,
        severity: spec.severity,
        labels_json: JSON.stringify(spec.labels), description: spec.description, target_id: spec.targetId,
        selector_json: JSON.stringify(spec.selector), enabled: spec.enabled ? 1 : 0, built_in: 0,
        created_at: now, updated_at: now,
      }
      await trx.insertInto('alert_rules').values(row).execute()
      const rule = toAlertRule(row)
      await audit.add({ at: now, actor, action: 'create', entity: 'alert_rule', entityId: row.id, change: rule })
      return rule
    })
  }

  async updateRule (id: string, patch: RulePatchSpec, actor: string): Promise<AlertRule> {
    return await this.#write(async (trx, audit, repo) => {
      const before = await repo.rule(id)
      if (before === undefined) throw new AlertRuleNotFound({ id })
      await assertTargetExists(trx, patch.targetId)
      if ((patch.k ?? before.k) > (patch.m ?? before.m)) {
        throw new RequestInvalid({ issues: [{ path: 'body.k', message: `k cannot exceed m (${patch.m ?? before.m})` }] })
      }
      const now = Date.now()
      const set: Partial<AlertRuleRow> = { updated_at: now }
      if (patch.name !== undefined) set.name = patch.name
      if (patch.condition !== undefined) set.condition = patch.condition.trim()
      if (patch.k !== undefined) set.k = patch.k
      if (patch.m !== undefined) set.m = patch.m
      if (patch.severity !== undefined) set.severity = patch.severity
      if (patch.labels !== undefined) set.labels_json = JSON.stringify(patch.labels)
      if (patch.description !== undefined) set.description = patch.description
      if (patch.targetId !== undefined) set.target_id = patch.targetId
      if (patch.selector !== undefined) set.selector_json = JSON.stringify(patch.selector)
      if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0
      await trx.updateTable('alert_rules').set(set).where('id', '=', id).execute()
      const after = toAlertRule({ ...before, ...set })
      const beforeRule = toAlertRule(before)
      const diff: Record<string, unknown> = {}
      for (const key of Object.keys(patch) as Array<keyof AlertRule>) {
        diff[key] = { from: beforeRule[key], to: after[key] }
      }
      await audit.add({ at: now, actor, action: 'update', entity: 'alert_rule', entityId: id, change: diff })
      return after
    })
  }

  async deleteRule (id: string, actor: string): Promise<void> {
    await this.#write(async (trx, audit, repo) => {
      const before = await repo.rule(id)
      if (before === undefined) throw new AlertRuleNotFound({ id })
      if (before.built_in === 1) throw new AlertRuleBuiltIn({ id })
      await trx.deleteFrom('alert_rules').where('id', '=', id).execute()
      await audit.add({ at: Date.now(), actor, action: 'delete', entity: 'alert_rule', entityId: id, change: toAlertRule(before) })
    })
  }

  async createChannel (spec: ChannelSpec, actor: string): Promise<AlertChannel> {
    return await this.#write(async (trx, audit, repo) => {
      const now = Date.now()
      const row: AlertChannelRow = {
        id: randomUUID(), name: spec.name, type: spec.type, url: this.#store.secrets.seal(spec.url),
        secret: spec.secret === undefined || spec.secret === null ? null : this.#store.secrets.seal(spec.secret),
        enabled: spec.enabled ? 1 : 0, send_resolved: spec.sendResolved ? 1 : 0, group_wait_ms: spec.groupWaitMs,
        group_interval_ms: spec.groupIntervalMs,
        repeat_interval_ms: spec.repeatIntervalMs ?? (spec.type === 'alertmanager' ? ALERTMANAGER_REPEAT_MS : DEFAULT_REPEAT_MS),
        created_at: now, updated_at: now,
      }
      await trx.insertInto('alert_channels').values(row).execute()
      await audit.add({ at: now, actor, action: 'create', entity: 'alert_channel', entityId: row.id, change: auditableChannel(row, row.type, spec.url) })
      const channel = await repo.channel(row.id)
      if (channel === undefined) throw new AlertChannelNotFound({ id: row.id })
      return channel
    })
  }

  async updateChannel (id: string, patch: ChannelPatchSpec, actor: string): Promise<AlertChannel> {
    return await this.#write(async (trx, audit, repo) => {
      const before = await repo.channelRow(id)
      if (before === undefined) throw new AlertChannelNotFound({ id })
      if (typeof patch.secret === 'string' && before.type !== 'webhook') {
        throw new RequestInvalid({ issues: [{ path: 'body.secret', message: 'only webhook channels are signed; leave secret out' }] })
      }
      const now = Date.now()
      const set: Partial<AlertChannelRow> = { updated_at: now }
      if (patch.name !== undefined) set.name = patch.name
      if (patch.url !== undefined) set.url = this.#store.secrets.seal(patch.url)
      if (patch.secret !== undefined) set.secret = patch.secret === null ? null : this.#store.secrets.seal(patch.secret)
      if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0
      if (patch.sendResolved !== undefined) set.send_resolved = patch.sendResolved ? 1 : 0
      if (patch.groupWaitMs !== undefined) set.group_wait_ms = patch.groupWaitMs
      if (patch.groupIntervalMs !== undefined) set.group_interval_ms = patch.groupIntervalMs
      if (patch.repeatIntervalMs !== undefined) set.repeat_interval_ms = patch.repeatIntervalMs
      await trx.updateTable('alert_channels').set(set).where('id', '=', id).execute()
      const { updated_at: _updated, ...changed } = set
      await audit.add({ at: now, actor, action: 'update', entity: 'alert_channel', entityId: id, change: auditableChannel(changed, before.type, patch.url) })
      const channel = await repo.channel(id)
      if (channel === undefined) throw new AlertChannelNotFound({ id })
      return channel
    })
  }

  /** Deletes a channel with its incident state and undelivered notifications. */
  async deleteChannel (id: string, actor: string): Promise<void> {
    await this.#write(async (trx, audit, repo) => {
      const before = await repo.channelRow(id)
      if (before === undefined) throw new AlertChannelNotFound({ id })
      await trx.deleteFrom('alert_channels').where('id', '=', id).execute()
      await trx.deleteFrom('alert_groups').where('channel_id', '=', id).execute()
      await trx.updateTable('alert_notifications').set({ state: 'failed', last_error: 'channel deleted' })
        .where('channel_id', '=', id).where('state', '=', 'pending').execute()
      await audit.add({ at: Date.now(), actor, action: 'delete', entity: 'alert_channel', entityId: id, change: auditableChannel(before, before.type, this.#store.secrets.open(before.url)) })
    })
  }

  async createSilence (spec: SilenceSpec, actor: string): Promise<Silence> {
    return await this.#write(async (trx, audit) => {
      const now = Date.now()
      const row = {
        id: randomUUID(), matchers_json: JSON.stringify(spec.matchers),
        starts_at: spec.startsAt === undefined ? now : Date.parse(spec.startsAt), ends_at: Date.parse(spec.endsAt),
        comment: spec.comment, created_by: actor, created_at: now,
      }
      await trx.insertInto('alert_silences').values(row).execute()
      const silence = toSilence(row, now)
      await audit.add({ at: now, actor, action: 'create', entity: 'silence', entityId: row.id, change: silence })
      return silence
    })
  }

  /** Ends a silence now; it stays listed as expired. */
  async expireSilence (id: string, actor: string): Promise<void> {
    await this.#write(async (trx, audit) => {
      const before = await trx.selectFrom('alert_silences').selectAll().where('id', '=', id).executeTakeFirst()
      if (before === undefined) throw new SilenceNotFound({ id })
      const now = Date.now()
      const endsAt = Math.min(Number(before.ends_at), now)
      const startsAt = Math.min(Number(before.starts_at), endsAt)
      await trx.updateTable('alert_silences').set({ ends_at: endsAt, starts_at: startsAt }).where('id', '=', id).execute()
      await audit.add({
        at: now, actor, action: 'delete', entity: 'silence', entityId: id,
        change: {
          endsAt: { from: new Date(Number(before.ends_at)).toISOString(), to: new Date(endsAt).toISOString() },
        },
      })
    })
  }
}

/**
 * Seals channel URLs and secrets stored in plaintext (before sealing existed) or with a key being rotated out
 * (listed in LOADFLEET_SECRET_KEYS_PREVIOUS); run at start, so a restart with a new key completes a rotation.
 * A channel sealed with a key this control plane lacks is left as it is and counted: its deliveries fail with that
 * reason until the key is given, and the control plane still starts.
 */
export async function resealChannelSecrets (store: Store): Promise<{ resealed: number, unreadable: number }> {
  return await store.transaction(async (_repos, trx) => {
    const box = store.secrets
    const rows = await trx.selectFrom('alert_channels').select(['id', 'url', 'secret']).execute()
    const counts = { resealed: 0, unreadable: 0 }
    for (const row of rows) {
      const stale = box.needsResealing(row.url) || (row.secret !== null && box.needsResealing(row.secret))
      if (!stale) continue
      let opened: { url: string, secret: string | null }
      try {
        opened = { url: box.open(row.url), secret: row.secret === null ? null : box.open(row.secret) }
      } catch {
        counts.unreadable++
        continue
      }
      await trx.updateTable('alert_channels').set({
        url: box.seal(opened.url), secret: opened.secret === null ? null : box.seal(opened.secret),
      }).where('id', '=', row.id).execute()
      counts.resealed++
    }
    return counts
  })
}
