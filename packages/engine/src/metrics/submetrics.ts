import { Trend } from './trend.js'
import { Counter, Rate } from './simple.js'

/** Tags of one HTTP sample that threshold filters may use (k6's names, plus `error_kind`). */
export interface HttpTags {
  name: string
  method: string
  status: string
  url: string
  expected_response: string
  error_kind: string
  scenario: string
}

/** The metrics fed by HTTP samples, by kind; a sub-metric of these is fed from the tagged samples. */
export const HTTP_TRENDS = [
  'http_req_duration', 'http_req_waiting', 'http_req_connecting', 'http_req_tls_handshaking',
  'http_req_sending', 'http_req_receiving', 'http_req_blocked',
] as const
export type HttpTrendName = typeof HTTP_TRENDS[number]
const HTTP_COUNTERS = new Set(['http_reqs', 'data_sent', 'data_received'])
const SELECTOR_RE = /^([A-Za-z_][\w.]*)\{(.*)\}$/

/** `http_req_duration{name:home,status:200}` → its base metric and tag pairs; undefined without a tag filter. */
export function splitSelector (selector: string): { metric: string, tags: Array<[string, string]> } | undefined {
  const m = SELECTOR_RE.exec(selector.trim())
  if (m === null) return undefined
  const tags: Array<[string, string]> = []
  for (const part of (m[2] ?? '').split(',')) {
    const at = part.indexOf(':')
    if (at <= 0) return undefined
    tags.push([part.slice(0, at).trim(), part.slice(at + 1).trim().replace(/^["']|["']$/g, '')])
  }
  return { metric: m[1] ?? '', tags }
}

/** One tag-filtered view of an HTTP metric, kept only because a threshold asks for it. */
export class HttpSubMetric {
  readonly selector: string
  readonly metric: string
  readonly #tags: Array<[keyof HttpTags, string]>
  readonly trend: Trend | undefined
  readonly counter: Counter | undefined
  readonly rate: Rate | undefined

  constructor (selector: string, metric: string, tags: Array<[string, string]>) {
    this.selector = selector
    this.metric = metric
    this.#tags = tags as Array<[keyof HttpTags, string]>
    this.trend = (HTTP_TRENDS as readonly string[]).includes(metric) ? new Trend() : undefined
    this.counter = HTTP_COUNTERS.has(metric) ? new Counter() : undefined
    this.rate = metric === 'http_req_failed' ? new Rate() : undefined
  }

  /** True for metrics this class can follow; other filtered metrics are reported as absent. */
  static supports (metric: string): boolean {
    return (HTTP_TRENDS as readonly string[]).includes(metric) || HTTP_COUNTERS.has(metric) ||
      metric === 'http_req_failed'
  }

  /** `extra`: a script's own request tags (and group, VU and scenario tags), for keys that are not built-in tags. */
  matches (tags: HttpTags, extra?: Readonly<Record<string, string>>): boolean {
    for (const [key, value] of this.#tags) {
      if ((Object.hasOwn(tags, key) ? tags[key] : extra?.[key]) !== value) return false
    }
    return true
  }

  destroy (): void {
    this.trend?.destroy()
  }
}
