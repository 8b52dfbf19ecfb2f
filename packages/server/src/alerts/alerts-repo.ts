import type { Kysely, Selectable } from 'kysely'
import type { Alert, AlertChannel, AlertRule, Silence } from '@loadfleet/api'
import type {
  AlertChannelRow, AlertRow, AlertRuleRow, AlertSilenceRow, Database,
} from '../db/schema.js'
import type { SecretBox } from '../secret-box.js'

export type Labels = Record<string, string>
export interface Matcher { name: string, value: string, isEqual: boolean }

const iso = (ms: number): string => new Date(Number(ms)).toISOString()
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

export function toAlertRule (row: Selectable<AlertRuleRow>): AlertRule {
  return {
    id: row.id, name: row.name, condition: row.condition, k: row.k, m: row.m, severity: row.severity,
    labels: JSON.parse(row.labels_json) as Labels, description: row.description, targetId: row.target_id,
    selector: JSON.parse(row.selector_json) as Labels, enabled: row.enabled === 1, builtIn: row.built_in === 1,
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  }
}

/** A Slack incoming-webhook URL carries its credential in the path, so only the origin is ever shown. */
export function displayUrl (type: AlertChannelRow['type'], url: string): string {
  return type === 'slack' ? `${new URL(url).origin}/…` : url
}

/** The URL a read API shows; one sealed with a key this control plane lacks is named as such, not a 500. */
function shownUrl (secrets: SecretBox, row: Pick<Selectable<AlertChannelRow>, 'type' | 'url'>): string {
  try {
    return displayUrl(row.type, secrets.open(row.url))
  } catch {
    return '(sealed with a key this control plane does not have)'
  }
}

export interface ChannelStats { pending: number, failed: number, lastError: string | null }

/** A stored channel with its URL and secret opened, as the deliverer needs them; never for a read API. */
export function openChannel<T extends Pick<Selectable<AlertChannelRow>, 'url' | 'secret'>> (secrets: SecretBox, row: T): T {
  return { ...row, url: secrets.open(row.url), secret: row.secret === null ? null : secrets.open(row.secret) }
}

export function toAlertChannel (
  row: Selectable<AlertChannelRow>, stats: ChannelStats, secrets: SecretBox,
): AlertChannel {
  return {
    id: row.id, name: row.name, type: row.type, url: shownUrl(secrets, row), secretSet: row.secret !== null,
    enabled: row.enabled === 1, sendResolved: row.send_resolved === 1, groupWaitMs: Number(row.group_wait_ms),
    groupIntervalMs: Number(row.group_interval_ms), repeatIntervalMs: Number(row.repeat_interval_ms),
    pendingNotifications: stats.pending, failedNotifications: stats.failed, lastError: stats.lastError,
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  }
}

export function silenceState (row: Selectable<AlertSilenceRow>, now: number): Silence['state'] {
  if (now < Number(row.starts_at)) return 'pending'
  return now < Number(row.ends_at) ? 'active' : 'expired'
}

export function toSilence (row: Selectable<AlertSilenceRow>, now: number): Silence {
  return {
    id: row.id, matchers: JSON.parse(row.matchers_json) as Matcher[], startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at), comment: row.comment, createdBy: row.created_by, createdAt: iso(row.created_at),
    state: silenceState(row, now),
  }
}

/** True when every matcher holds for these labels (an absent label counts as ""), as in Alertmanager. */
export function matchesAll (matchers: Matcher[], labels: Labels): boolean {
  return matchers.every((m) => ((labels[m.name] ?? '') === m.value) === m.isEqual)
}

/** Ids of the silences that mute an alert with these labels now. */
export function silencesMuting (silences: Array<Selectable<AlertSilenceRow>>, labels: Labels, now: number): string[] {
  return silences
    .filter((s) => silenceState(s, now) === 'active' && matchesAll(JSON.parse(s.matchers_json) as Matcher[], labels))
    .map((s) => s.id)
}

export function toAlert (row: Selectable<AlertRow>, silencedBy: string[]): Alert {
  return {
    id: row.id, fingerprint: row.fingerprint, ruleId: row.rule_id, targetId: row.target_id, state: row.state,
    severity: row.severity, labels: JSON.parse(row.labels_json) as Labels,
    annotations: JSON.parse(row.annotations_json) as Labels, pendingAt: iso(row.pending_at),
    firingAt: isoOrNull(row.firing_at), resolvedAt: isoOrNull(row.resolved_at), silencedBy,
  }
}

// The dashboard shows this many resolved alerts; older ones stay in the table as history.
const RECENT_RESOLVED = 50

/** Reads of alerting state, for the API and for the per-site metrics. */
export class AlertsRepo {
  readonly #db: Kysely<Database>
  readonly #secrets: SecretBox

  constructor (db: Kysely<Database>, secrets: SecretBox) {
    this.#db = db
    this.#secrets = secrets
  }

  async rules (): Promise<AlertRule[]> {
    const rows = await this.#db.selectFrom('alert_rules').selectAll().orderBy('built_in', 'desc').orderBy('created_at').orderBy('id').execute()
    return rows.map(toAlertRule)
  }

  async rule (id: string): Promise<Selectable<AlertRuleRow> | undefined> {
    return await this.#db.selectFrom('alert_rules').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async channelRow (id: string): Promise<Selectable<AlertChannelRow> | undefined> {
    return await this.#db.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async channels (): Promise<AlertChannel[]> {
    const rows = await this.#db.selectFrom('alert_channels').selectAll().orderBy('created_at').orderBy('id').execute()
    const counts = await this.#db.selectFrom('alert_notifications')
      .select(['channel_id', 'state', (eb) => eb.fn.countAll().as('n')])
      .where('state', 'in', ['pending', 'failed']).groupBy(['channel_id', 'state']).execute()
    const errors = await this.#db.selectFrom('alert_notifications').select(['channel_id', 'last_error'])
      .where('state', 'in', ['pending', 'failed']).where('last_error', 'is not', null)
      .orderBy('next_attempt_at', 'desc').execute()
    return rows.map((row) => {
      const count = (state: string) => Number(counts.find((c) => c.channel_id === row.id && c.state === state)?.n ?? 0)
      const lastError = errors.find((e) => e.channel_id === row.id)?.last_error ?? null
      return toAlertChannel(row, { pending: count('pending'), failed: count('failed'), lastError }, this.#secrets)
    })
  }

  async channel (id: string): Promise<AlertChannel | undefined> {
    return (await this.channels()).find((c) => c.id === id)
  }

  async silenceRows (): Promise<Array<Selectable<AlertSilenceRow>>> {
    return await this.#db.selectFrom('alert_silences').selectAll().orderBy('ends_at', 'desc').orderBy('id').execute()
  }

  async silences (now: number): Promise<Silence[]> {
    return (await this.silenceRows()).map((row) => toSilence(row, now))
  }

  async activeSilenceRows (now: number): Promise<Array<Selectable<AlertSilenceRow>>> {
    return await this.#db.selectFrom('alert_silences').selectAll()
      .where('starts_at', '<=', now).where('ends_at', '>', now).execute()
  }

  /** Firing, pending and recently resolved alerts, each with the silences muting it. */
  async overview (now: number): Promise<{ firing: Alert[], pending: Alert[], resolved: Alert[] }> {
    const [open, resolved, silences] = await Promise.all([
      this.#db.selectFrom('alerts').selectAll().where('state', '!=', 'resolved').orderBy('pending_at', 'desc').execute(),
      this.#db.selectFrom('alerts').selectAll().where('state', '=', 'resolved')
        .orderBy('resolved_at', 'desc').orderBy('id').limit(RECENT_RESOLVED).execute(),
      this.activeSilenceRows(now),
    ])
    const withSilences = (row: Selectable<AlertRow>) =>
      toAlert(row, silencesMuting(silences, JSON.parse(row.labels_json) as Labels, now))
    return {
      firing: open.filter((row) => row.state === 'firing').map(withSilences),
      pending: open.filter((row) => row.state === 'pending').map(withSilences),
      resolved: resolved.map((row) => toAlert(row, [])),
    }
  }

  /** Open alerts (pending or firing) per site and rule: the per-site metrics expose these as alert states. */
  async openAlertStates (): Promise<Array<{
    targetId: string, ruleId: string, alertname: string, severity: string, state: 'pending' | 'firing'
  }>> {
    const rows = await this.#db.selectFrom('alerts').select(['target_id', 'rule_id', 'labels_json', 'severity', 'state'])
      .where('state', '!=', 'resolved').execute()
    return rows.map((row) => ({
      targetId: row.target_id, ruleId: row.rule_id, alertname: (JSON.parse(row.labels_json) as Labels).alertname ?? '',
      severity: row.severity, state: row.state === 'firing' ? 'firing' : 'pending',
    }))
  }
}
