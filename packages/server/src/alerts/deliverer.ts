import type { Kysely, Selectable } from 'kysely'
import type { AlertChannelRow, AlertNotificationRow, Database } from '../db/schema.js'
import type { Logger } from '../logger.js'
import type { SecretBox } from '../secret-box.js'
import { openChannel } from './alerts-repo.js'
import { deliveryUrl, signature } from './payloads.js'

export interface DeliveryOptions {
  /** Per request; a receiver that hangs must not stall the others. */
  timeoutMs: number
  /** First retry after this long, doubling per attempt… */
  retryBaseMs: number
  /** …up to this. */
  retryMaxMs: number
  /** A notification still undelivered after this long is given up (state `failed`, kept for inspection). */
  giveUpAfterMs: number
}

export interface SendResult { ok: boolean, httpStatus: number | null, error: string | null, permanent: boolean }

// Notifications sent per pass: bounded so one pass stays short; the rest go in the next pass a few seconds later.
const BATCH = 20
// 4xx answers that mean "try again later"; any other 4xx will not change on a retry.
const RETRYABLE_4XX = [408, 425, 429]
const USER_AGENT = 'Loadfleet-Alerting/1'

/** POSTs one body to a channel; never throws, never logs the URL (a Slack URL is a credential). */
export async function sendToChannel (channel: Pick<Selectable<AlertChannelRow>, 'type' | 'url' | 'secret'>, options: {
  body: string, notificationId: string, timeoutMs: number
}): Promise<SendResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json', 'user-agent': USER_AGENT, 'idempotency-key': options.notificationId,
    'x-loadfleet-notification-id': options.notificationId,
  }
  if (channel.type === 'webhook' && channel.secret !== null) headers['x-loadfleet-signature'] = signature(channel.secret, options.body)
  try {
    const res = await fetch(deliveryUrl(channel.type, channel.url), {
      method: 'POST', headers, body: options.body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs),
    })
    await res.arrayBuffer().catch(() => undefined) // drain, so the connection is reused
    if (res.status >= 200 && res.status < 300) {
      return { ok: true, httpStatus: res.status, error: null, permanent: false }
    }
    const permanent = res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.includes(res.status)
    return { ok: false, httpStatus: res.status, error: `the receiver answered HTTP ${res.status}`, permanent }
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown, message?: unknown } }).cause
    const detail = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.name : 'error'
    return { ok: false, httpStatus: null, error: `the receiver could not be reached (${detail})`, permanent: false }
  }
}

/** The oldest due notification of each incident group, so a group's messages arrive in order. */
async function dueNotifications (db: Kysely<Database>, now: number): Promise<Array<Selectable<AlertNotificationRow>>> {
  const pending = await db.selectFrom('alert_notifications').selectAll().where('state', '=', 'pending')
    .orderBy('created_at').orderBy('id').limit(BATCH * 5).execute()
  const seen = new Set<string>()
  const due: Array<Selectable<AlertNotificationRow>> = []
  for (const row of pending) {
    const group = `${row.channel_id} ${row.group_key}`
    if (seen.has(group)) continue
    seen.add(group)
    if (Number(row.next_attempt_at) <= now) due.push(row)
  }
  return due.slice(0, BATCH)
}

/** Sends to a stored channel; a URL or secret this control plane cannot open is a failed attempt, retried later. */
export async function sendOpened (secrets: SecretBox, channel: Selectable<AlertChannelRow>, options: {
  body: string, notificationId: string, timeoutMs: number
}): Promise<SendResult> {
  let opened: Selectable<AlertChannelRow>
  try {
    opened = openChannel(secrets, channel)
  } catch (err) {
    return { ok: false, httpStatus: null, error: err instanceof Error ? err.message : String(err), permanent: false }
  }
  return await sendToChannel(opened, options)
}

/**
 * Sends due outbox notifications and records each outcome; a failure is retried with exponential backoff.
 * Delivery is at least once: a receiver can drop a repeat by the `Idempotency-Key` header.
 */
export async function deliverDue (
  db: Kysely<Database>, options: DeliveryOptions & { log: Logger, secrets: SecretBox },
): Promise<number> {
  const due = await dueNotifications(db, Date.now())
  let delivered = 0
  for (const row of due) {
    const channel = await db.selectFrom('alert_channels').selectAll().where('id', '=', row.channel_id).executeTakeFirst()
    if (channel === undefined) {
      await db.updateTable('alert_notifications').set({ state: 'failed', last_error: 'channel deleted' }).where('id', '=', row.id).execute()
      continue
    }
    const result = await sendOpened(options.secrets, channel, {
      body: row.body, notificationId: row.id, timeoutMs: options.timeoutMs,
    })
    const now = Date.now()
    const attempts = row.attempts + 1
    if (result.ok) {
      await db.updateTable('alert_notifications').set({ state: 'delivered', attempts, delivered_at: now, last_error: null })
        .where('id', '=', row.id).execute()
      delivered++
      continue
    }
    const giveUp = result.permanent || now - Number(row.created_at) > options.giveUpAfterMs
    const delayMs = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(attempts - 1, 30))
    await db.updateTable('alert_notifications').set({
      state: giveUp ? 'failed' : 'pending', attempts, last_error: result.error, next_attempt_at: now + delayMs,
    }).where('id', '=', row.id).execute()
    options.log.warn({ channelId: channel.id, notificationId: row.id, attempts, error: result.error, gaveUp: giveUp },
      'alert notification not delivered')
  }
  return delivered
}
