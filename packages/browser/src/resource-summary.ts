import type { ResourceSummary, ResourceTiming } from '@loadfleet/core/base'
import type { RecordedRequest } from './network-recorder.js'

// Enough for a waterfall of any sensible page, while keeping a stored run small.
const MAX_ENTRIES = 300
const SLOWEST = 5
// A request the page itself cancelled (navigation away, aborted fetch) did not fail.
const CANCELLED = 'net::ERR_ABORTED'

/** Totals, failures, third-party share and the waterfall of a page's requests; times from `originS` in ms. */
export function summariseResources (
  requests: readonly RecordedRequest[], options: { pageUrl: string, originS: number, endS: number },
): ResourceSummary {
  const site = siteOf(options.pageUrl)
  const entries: ResourceTiming[] = requests.map((r) => ({
    url: r.url,
    type: r.type,
    status: r.status,
    ...(r.error === undefined ? {} : { error: r.error }),
    startMs: ms(r.startS - options.originS),
    durationMs: ms((r.endS ?? options.endS) - r.startS),
    bytes: r.bytes,
    thirdParty: site !== null && siteOf(r.url) !== site,
  }))
  const failedByStatus: Record<string, number> = {}
  for (const e of entries) {
    const byStatus = e.status !== null && e.status >= 400 ? String(e.status) : undefined
    const key = byStatus ?? (e.status === null && e.error !== CANCELLED ? e.error : undefined)
    if (key !== undefined) failedByStatus[key] = (failedByStatus[key] ?? 0) + 1
  }
  const bytes = entries.reduce((sum, e) => sum + e.bytes, 0)
  const thirdParty = entries.filter((e) => e.thirdParty)
  const thirdPartyBytes = thirdParty.reduce((sum, e) => sum + e.bytes, 0)
  return {
    count: entries.length,
    bytes,
    failedByStatus,
    thirdPartyCount: thirdParty.length,
    thirdPartyBytes,
    thirdPartyShare: bytes === 0 ? 0 : Math.round(thirdPartyBytes / bytes * 1000) / 1000,
    slowest: [...entries].sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST),
    entries: entries.slice(0, MAX_ENTRIES),
  }
}

/**
 * The site a URL belongs to, for telling first from third parties: the host's last two labels (three when the
 * second-level label is a short public one, as in example.co.uk), the whole host for IP addresses and single labels.
 * An approximation of the public-suffix list that needs no list.
 */
export function siteOf (url: string): string | null {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return null
  }
  if (/^[\d.]+$/.test(host) || host.startsWith('[')) return host
  const labels = host.split('.')
  if (labels.length <= 2) return host
  const second = labels[labels.length - 2] ?? ''
  const last = labels[labels.length - 1] ?? ''
  const keep = last.length === 2 && ['co', 'com', 'net', 'org', 'ac', 'gov', 'edu'].includes(second) ? 3 : 2
  return labels.slice(-keep).join('.')
}

function ms (seconds: number): number {
  return Math.max(0, Math.round(seconds * 10_000) / 10)
}
