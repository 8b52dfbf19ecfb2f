import type { Kysely, Selectable } from 'kysely'
import type { AlertChannelRow, AlertRow, Database } from '../db/schema.js'
import { silencesMuting, type Labels } from './alerts-repo.js'
import { ZERO_TIME, renderBody, type GroupMessage, type NotifiedAlert } from './payloads.js'

const iso = (ms: number): string => new Date(ms).toISOString()

/** The site page an alert links to. */
export function generatorUrl (externalUrl: string, targetId: string): string {
  return `${externalUrl.replace(/\/+$/, '')}/sites/${encodeURIComponent(targetId)}`
}

function notified (row: Selectable<AlertRow>, status: 'firing' | 'resolved', externalUrl: string): NotifiedAlert {
  return {
    status,
    labels: JSON.parse(row.labels_json) as Labels,
    annotations: JSON.parse(row.annotations_json) as Labels,
    startsAt: iso(Number(row.firing_at ?? row.pending_at)),
    endsAt: status === 'resolved' ? iso(Number(row.resolved_at ?? row.updated_at)) : ZERO_TIME,
    generatorURL: generatorUrl(externalUrl, row.target_id),
    fingerprint: row.fingerprint,
  }
}

interface GroupState { seq: number, notified: string[], lastNotifiedAt: number, exists: boolean }

interface GroupInput {
  channel: Selectable<AlertChannelRow>
  groupKey: string
  targetId: string
  /** Firing alerts of this site that no silence mutes. */
  firing: Array<Selectable<AlertRow>>
  /** Per notified fingerprint its firing row, else its newest resolved row: a resolved alert vs. a silenced one. */
  latest: Map<string, Selectable<AlertRow>>
  state: GroupState
  now: number
}

type Decision = { send: false, notified: string[] } | { send: true, status: 'firing' | 'resolved', alerts: Array<Selectable<AlertRow>>, resolved: Array<Selectable<AlertRow>>, notified: string[] }

/**
 * What a channel is told about one incident group now, like an Alertmanager route: the first alert after
 * group_wait, changes at most every group_interval, a reminder every repeat_interval, and one resolved message.
 */
export function decide (input: GroupInput): Decision {
  const { channel, firing, state, now } = input
  const firingIds = firing.map((row) => row.fingerprint)
  const gone = state.notified.filter((fp) => !firingIds.includes(fp))
  const resolved = gone.map((fp) => input.latest.get(fp)).filter((row): row is Selectable<AlertRow> => row?.state === 'resolved')
  const sendResolved = channel.send_resolved === 1
  if (firing.length === 0) {
    if (state.notified.length === 0) return { send: false, notified: [] }
    // Every notified alert went away: resolved ones are announced once; silenced ones just leave the group.
    if (resolved.length > 0 && sendResolved) return { send: true, status: 'resolved', alerts: [], resolved, notified: [] }
    return { send: false, notified: [] }
  }
  if (state.notified.length === 0) {
    const startedAt = Math.min(...firing.map((row) => Number(row.firing_at ?? row.pending_at)))
    return now >= startedAt + Number(channel.group_wait_ms)
      ? { send: true, status: 'firing', alerts: firing, resolved: [], notified: firingIds }
      : { send: false, notified: [] }
  }
  const added = firingIds.some((fp) => !state.notified.includes(fp))
  const sinceLast = now - state.lastNotifiedAt
  if (added || resolved.length > 0) {
    if (sinceLast < Number(channel.group_interval_ms)) return { send: false, notified: state.notified }
    return { send: true, status: 'firing', alerts: firing, resolved: sendResolved ? resolved : [], notified: firingIds }
  }
  const repeatMs = Number(channel.repeat_interval_ms)
  if (repeatMs > 0 && sinceLast >= repeatMs) return { send: true, status: 'firing', alerts: firing, resolved: [], notified: firingIds }
  return { send: false, notified: firingIds }
}

async function groupStates (db: Kysely<Database>, channelId: string): Promise<Map<string, GroupState>> {
  const rows = await db.selectFrom('alert_groups').selectAll().where('channel_id', '=', channelId).execute()
  return new Map(rows.map((row) => [row.group_key, {
    seq: row.seq, notified: JSON.parse(row.notified_json) as string[], lastNotifiedAt: Number(row.last_notified_at),
    exists: true,
  }]))
}

async function saveGroup (db: Kysely<Database>, options: {
  channelId: string, groupKey: string, state: GroupState, notified: string[], seq: number, at: number
}): Promise<void> {
  const { channelId, groupKey, state, notified: fps, seq, at } = options
  const values = { seq, notified_json: JSON.stringify(fps), last_notified_at: at }
  if (state.exists) {
    await db.updateTable('alert_groups').set(values).where('channel_id', '=', channelId).where('group_key', '=', groupKey).execute()
  } else {
    await db.insertInto('alert_groups').values({ channel_id: channelId, group_key: groupKey, ...values }).execute()
  }
}

/** The Alertmanager-style group key of a site's incident group. */
export function groupKeyOf (targetId: string): string {
  return `{}:{site_id=${JSON.stringify(targetId)}}`
}

/**
 * Writes the notifications this moment calls for into the outbox, in the caller's transaction together with the
 * group state: a crash either keeps both or neither, so each change is queued exactly once.
 */
export async function queueNotifications (
  db: Kysely<Database>, options: { now: number, externalUrl: string },
): Promise<number> {
  const { now, externalUrl } = options
  const [channels, openFiring, silences] = await Promise.all([
    db.selectFrom('alert_channels').selectAll().where('enabled', '=', 1).execute(),
    db.selectFrom('alerts').selectAll().where('state', '=', 'firing').execute(),
    db.selectFrom('alert_silences').selectAll().where('starts_at', '<=', now).where('ends_at', '>', now).execute(),
  ])
  const unmuted = openFiring.filter((row) =>
    silencesMuting(silences, JSON.parse(row.labels_json) as Labels, now).length === 0)
  let queued = 0
  for (const channel of channels) {
    const states = await groupStates(db, channel.id)
    const keys = new Set<string>(unmuted.map((row) => groupKeyOf(row.target_id)))
    for (const [key, state] of states) if (state.notified.length > 0) keys.add(key)
    for (const groupKey of keys) {
      const state = states.get(groupKey) ?? { seq: 0, notified: [], lastNotifiedAt: 0, exists: false }
      const firing = unmuted.filter((row) => groupKeyOf(row.target_id) === groupKey)
      const targetId = firing[0]?.target_id ?? (JSON.parse(groupKey.slice(groupKey.indexOf('=') + 1, -1)) as string)
      const latest = await latestByFingerprint(db, state.notified)
      const decision = decide({ channel, groupKey, targetId, firing, latest, state, now })
      if (!decision.send) {
        if (JSON.stringify(decision.notified) !== JSON.stringify(state.notified)) {
          await saveGroup(db, {
            channelId: channel.id, groupKey, state, notified: decision.notified, seq: state.seq,
            at: state.lastNotifiedAt,
          })
        }
        continue
      }
      const seq = state.seq + 1
      const message: GroupMessage = {
        receiver: channel.name, groupKey, status: decision.status, externalURL: externalUrl,
        groupLabels: { site_id: targetId, site: siteOf(decision.alerts[0] ?? decision.resolved[0]) },
        alerts: [
          ...decision.alerts.map((row) => notified(row, 'firing', externalUrl)),
          ...decision.resolved.map((row) => notified(row, 'resolved', externalUrl)),
        ],
      }
      await db.insertInto('alert_notifications').values({
        id: `${channel.id}/${targetId}/${seq}`, channel_id: channel.id, group_key: groupKey,
        status: decision.status,
        body: renderBody(channel.type, message), state: 'pending', attempts: 0, next_attempt_at: now, last_error: null,
        created_at: now, delivered_at: null,
      }).execute()
      await saveGroup(db, { channelId: channel.id, groupKey, state, notified: decision.notified, seq, at: now })
      queued++
    }
  }
  return queued
}

function siteOf (row: Selectable<AlertRow> | undefined): string {
  return row === undefined ? '' : (JSON.parse(row.labels_json) as Labels).site ?? ''
}

async function latestByFingerprint (db: Kysely<Database>, fingerprints: string[]):
Promise<Map<string, Selectable<AlertRow>>> {
  const latest = new Map<string, Selectable<AlertRow>>()
  if (fingerprints.length === 0) return latest
  const rows = await db.selectFrom('alerts').selectAll().where('fingerprint', 'in', fingerprints)
    .where('state', '!=', 'pending').orderBy('pending_at', 'asc').execute()
  // A still-firing row wins (the alert is only muted); otherwise the newest resolved one ends the notified alert.
  for (const row of rows) if (latest.get(row.fingerprint)?.state !== 'firing') latest.set(row.fingerprint, row)
  return latest
}
