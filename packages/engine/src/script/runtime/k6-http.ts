import { parseDurationMs } from '@loadfleet/core'
import { K6Response, failedResponse } from './response.js'
import type { ResponseType } from './response.js'
import type { SampleOrigin } from '../../metrics/index.js'
import { text } from './vu-state.js'
import type { ScriptVuState } from './vu-state.js'

/** Plain request specs kept per run; scripts that build many distinct URLs just start over when it fills. */
const PLAIN_SPECS_MAX = 1000
/** k6 limits `http.batch` to this many requests in flight per VU (its `batch` option default). */
const BATCH_PARALLEL = 20

type Params = {
  headers?: Record<string, unknown>
  tags?: Record<string, unknown>
  timeout?: string | number
  redirects?: number
  responseType?: ResponseType
  responseCallback?: ExpectedStatuses | null
  cookies?: Record<string, unknown>
}

/** What `http.expectedStatuses` returns: a predicate on statuses. */
export class ExpectedStatuses {
  readonly #ranges: Array<[number, number]>

  constructor (ranges: Array<[number, number]>) {
    this.#ranges = ranges
  }

  matches (status: number): boolean {
    return this.#ranges.some(([min, max]) => status >= min && status <= max)
  }
}

function expectedStatuses (...args: unknown[]): ExpectedStatuses {
  return new ExpectedStatuses(args.map((a) => {
    if (typeof a === 'number') return [a, a]
    const r = a as { min?: unknown, max?: unknown }
    if (typeof r?.min !== 'number' || typeof r.max !== 'number') {
      throw new TypeError('expectedStatuses takes status codes or { min, max } ranges')
    }
    return [r.min, r.max]
  }))
}

function encodeBody (body: unknown, headers: Record<string, string>): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  if (typeof body === 'object') {
    // As k6: an object body is sent as a form.
    headers['content-type'] ??= 'application/x-www-form-urlencoded'
    const form = new URLSearchParams()
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) form.append(k, String(v))
    return Buffer.from(form.toString(), 'utf8')
  }
  return Buffer.from(text(body), 'utf8')
}

/** Builds one VU's `k6/http` module. */
export function createHttpModule (vu: ScriptVuState): Record<string, unknown> {
  const request = async (method: unknown, url: unknown, body?: unknown, params?: Params | null, channel = 0):
  Promise<unknown> => {
    vu.ensureRunning()
    const m = String(method).toUpperCase()
    const href = text(url)
    const p: Params = params ?? {}
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = text(v)
    const bytes = encodeBody(body, headers)
    const timeoutMs = p.timeout === undefined ? vu.run.timeoutMs : parseDurationMs(p.timeout) ?? vu.run.timeoutMs
    const maxRedirects = p.redirects ?? vu.run.maxRedirects
    const plain = bytes === undefined && p.headers === undefined && p.timeout === undefined && p.redirects === undefined
    // A plain request (no body, headers or limits) reuses one spec per method and URL across the run's VUs, so its
    // URL is parsed and its head serialised once, as for a YAML test's steps.
    let spec = plain ? vu.run.plainSpecs.get(`${m} ${href}`) : undefined
    if (spec === undefined) {
      let target: URL
      try {
        target = new URL(href)
        if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('unsupported protocol')
      } catch {
        return failedResponse(href, `invalid URL '${href}'`, 1020)
      }
      // As Go's client: credentials in the URL become basic authentication.
      if (target.username !== '' && headers.authorization === undefined) {
        const user = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`
        headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`
      }
      spec = { method: m, url: target, headers, timeoutMs, maxRedirects, capture: true }
      if (bytes !== undefined) spec.body = bytes
      if (plain) {
        if (vu.run.plainSpecs.size >= PLAIN_SPECS_MAX) vu.run.plainSpecs.clear()
        vu.run.plainSpecs.set(`${m} ${href}`, spec)
      }
    }
    const cookie = cookieHeader(vu, spec.url, p.cookies, spec.headers.cookie)
    if (cookie !== undefined) spec = { ...spec, headers: { ...spec.headers, cookie } }
    const ch = vu.channel(channel)
    ch.hops.length = 0
    const response = await ch.client.request(spec)
    vu.ensureRunning()
    const expected = p.responseCallback === null
      ? () => true
      : p.responseCallback !== undefined
        ? (s: number) => p.responseCallback?.matches(s) === true
        : vu.expected ?? vu.run.defaultExpected
    const metrics = vu.run.metrics
    const origin: SampleOrigin = { name: p.tags?.name === undefined ? href : text(p.tags.name), method: m,
      scenario: vu.scenario }
    const extra = extraTags(vu, p.tags)
    if (extra !== undefined) origin.tags = extra
    const last = ch.hops.length - 1
    for (let i = 0; i <= last; i++) {
      const hop = ch.hops[i]
      if (hop === undefined) continue
      const ok = hop.errorKind === null && (i < last || expected(hop.status))
      metrics?.recordHttp(hop, ok, origin)
    }
    ch.hops.length = 0
    if (response.headers !== undefined) vu.cookies.storeFrom(new URL(response.url), response.headers)
    const responseType = p.responseType ?? (vu.run.discardResponseBodies ? 'none' : 'text')
    return new K6Response(response, responseType, () => ({
      method: m, url: href, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      body: bytes === undefined ? '' : Buffer.from(bytes).toString('utf8'),
    }))
  }
  const withBody = (method: string) => (url: unknown, body?: unknown, params?: Params) =>
    request(method, url, body, params)
  const batch = async (requests: unknown): Promise<unknown> => {
    const entries = Array.isArray(requests)
      ? requests.map((r, i) => [i, r] as const)
      : Object.entries(requests as object)
    const results: Array<[string | number, unknown]> = []
    for (let at = 0; at < entries.length; at += BATCH_PARALLEL) {
      const slice = entries.slice(at, at + BATCH_PARALLEL)
      const done = await Promise.all(slice.map(async ([key, r], i) => {
        const one = batchItem(r)
        return [key, await request(one.method, one.url, one.body, one.params, i + 1)] as [string | number, unknown]
      }))
      results.push(...done)
    }
    if (Array.isArray(requests)) return results.map(([, r]) => r)
    return Object.fromEntries(results)
  }
  const mod: Record<string, unknown> = {
    request,
    get: (url: unknown, params?: Params) => request('GET', url, undefined, params),
    head: (url: unknown, params?: Params) => request('HEAD', url, undefined, params),
    post: withBody('POST'),
    put: withBody('PUT'),
    patch: withBody('PATCH'),
    del: withBody('DELETE'),
    options: withBody('OPTIONS'),
    batch,
    asyncRequest: (...args: Parameters<typeof request>) => {
      const p = request(...args)
      // A script may drop the promise; when its VU is stopped the rejection must not end the process.
      p.catch(() => undefined)
      return p
    },
    expectedStatuses,
    cookieJar: () => vu.cookies.api(),
    // k6's tagged template for URLs; here it simply builds the string.
    url: (strings: TemplateStringsArray, ...values: unknown[]) =>
      strings.reduce((out, s, i) => out + s + (i < values.length ? text(values[i]) : ''), ''),
    setResponseCallback: (cb: ExpectedStatuses | null) => {
      vu.expected = cb === null ? () => true : (s) => cb.matches(s)
    },
  }
  mod.default = mod
  return mod
}

/** Tags beyond the built-in ones a threshold filter may name; undefined (no allocation) when there are none. */
function extraTags (vu: ScriptVuState, own: Record<string, unknown> | undefined): Record<string, string> | undefined {
  const scenarioTags = Object.keys(vu.scenarioTags).length > 0
  const vuTags = Object.keys(vu.tags).length > 0
  if (own === undefined && !scenarioTags && !vuTags && vu.groupPath === '') return undefined
  const out: Record<string, string> = { ...vu.scenarioTags, ...vu.tags }
  if (vu.groupPath !== '') out.group = vu.groupPath
  for (const [k, v] of Object.entries(own ?? {})) out[k] = text(v)
  return out
}

/** The cookie header of a request: the jar's cookies for the URL, the request's own `cookies` param, a set header. */
function cookieHeader (vu: ScriptVuState, url: URL, own: Record<string, unknown> | undefined, set: string | undefined):
string | undefined {
  const parts: string[] = []
  if (set !== undefined) parts.push(set)
  if (vu.cookies.size > 0) {
    const fromJar = vu.cookies.headerFor(url)
    if (fromJar !== undefined) parts.push(fromJar)
  }
  for (const [name, v] of Object.entries(own ?? {})) {
    const value = typeof v === 'object' && v !== null ? (v as { value?: unknown }).value : v
    parts.push(`${name}=${text(value)}`)
  }
  return parts.length === 0 || (parts.length === 1 && parts[0] === set) ? undefined : parts.join('; ')
}

function batchItem (r: unknown): { method: string, url: unknown, body?: unknown, params?: Params } {
  if (typeof r === 'string') return { method: 'GET', url: r }
  if (Array.isArray(r)) return { method: String(r[0]), url: r[1], body: r[2], params: r[3] as Params }
  const o = r as { method?: string, url: unknown, body?: unknown, params?: Params }
  return { method: o.method ?? 'GET', url: o.url, body: o.body, ...(o.params === undefined ? {} : { params: o.params }) }
}
