import { createHmac } from 'node:crypto'
import type { AlertChannelType } from '@loadfleet/api'

export type Labels = Record<string, string>

/** One alert as receivers see it (the Alertmanager webhook's `alerts[]` item). */
export interface NotifiedAlert {
  status: 'firing' | 'resolved'
  labels: Labels
  annotations: Labels
  startsAt: string
  endsAt: string
  generatorURL: string
  fingerprint: string
}

/** One notification: an incident group's alerts at one moment. */
export interface GroupMessage {
  receiver: string
  groupKey: string
  status: 'firing' | 'resolved'
  groupLabels: Labels
  externalURL: string
  alerts: NotifiedAlert[]
}

/** What Alertmanager writes for the end of an alert still firing. */
export const ZERO_TIME = '0001-01-01T00:00:00Z'

function common (maps: Labels[]): Labels {
  const [first, ...rest] = maps
  if (first === undefined) return {}
  return Object.fromEntries(Object.entries(first).filter(([key, value]) => rest.every((m) => m[key] === value)))
}

/** The Alertmanager webhook (version 4) body, so tools built for Alertmanager receivers accept ours. */
export function webhookBody (message: GroupMessage): Record<string, unknown> {
  return {
    version: '4',
    groupKey: message.groupKey,
    truncatedAlerts: 0,
    status: message.status,
    receiver: message.receiver,
    groupLabels: message.groupLabels,
    commonLabels: common(message.alerts.map((a) => a.labels)),
    commonAnnotations: common(message.alerts.map((a) => a.annotations)),
    externalURL: message.externalURL,
    alerts: message.alerts,
  }
}

/** A Slack incoming-webhook message: `text` for notifications, blocks for the channel. */
export function slackBody (message: GroupMessage): Record<string, unknown> {
  const firing = message.alerts.filter((a) => a.status === 'firing')
  const site = message.groupLabels.site ?? message.groupLabels.site_id ?? ''
  const headline = message.status === 'firing'
    ? `:rotating_light: [FIRING:${firing.length}] ${site}`
    : `:white_check_mark: [RESOLVED] ${site}`
  const lines = message.alerts.map((a) =>
    `*${a.status === 'firing' ? 'Firing' : 'Resolved'}* ${a.labels.alertname ?? ''} (${a.labels.severity ?? ''}): ` +
    `${a.annotations.summary ?? ''} <${a.generatorURL}|open>`)
  return {
    text: `${headline}: ${message.alerts.map((a) => a.labels.alertname ?? '').join(', ')}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: headline.replace(/:[a-z_]+: /, '') } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  }
}

/** Alertmanager's `POST /api/v2/alerts` body: postable alerts; a resolved one carries its end time. */
export function alertmanagerBody (message: GroupMessage): Array<Record<string, unknown>> {
  return message.alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    ...(a.status === 'resolved' ? { endsAt: a.endsAt } : {}),
    generatorURL: a.generatorURL,
  }))
}

/** The exact bytes sent for a message on a channel of this type. */
export function renderBody (type: AlertChannelType, message: GroupMessage): string {
  switch (type) {
    case 'webhook': return JSON.stringify(webhookBody(message))
    case 'slack': return JSON.stringify(slackBody(message))
    case 'alertmanager': return JSON.stringify(alertmanagerBody(message))
  }
}

/** Where a channel's notifications go: Alertmanager's alerts endpoint under its base URL, else the URL itself. */
export function deliveryUrl (type: AlertChannelType, url: string): string {
  if (type !== 'alertmanager') return url
  const parsed = new URL(url)
  if (!parsed.pathname.endsWith('/api/v2/alerts')) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/api/v2/alerts`
  return parsed.toString()
}

/** `X-Loadfleet-Signature`: `sha256=` and the hex HMAC-SHA256 of the exact body with the channel's secret. */
export function signature (secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}
