import { Connection } from './connection.js'
import type { HttpClient, HttpClientOptions, HttpRequestSpec, HttpResponse, HttpSample } from './types.js'
import { wireRequestOf, type WireRequest, type WireRequestInput } from './wire-request.js'

/** Headers a browser or Go's client (k6) drops when a redirect leaves the original host. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization']

/** Wire forms shared by every client that sends the same spec object (all VUs of a scenario). */
const WIRE_CACHE = new WeakMap<HttpRequestSpec, { userAgent: string, wire: WireRequest }>()

interface Hop extends WireRequestInput {
  wire: WireRequest
}

function newSample (url: string): HttpSample {
  return {
    status: 0,
    errorKind: null,
    blockedUs: 0,
    connectingUs: 0,
    tlsHandshakingUs: 0,
    sendingUs: 0,
    waitingUs: 0,
    receivingUs: 0,
    durationUs: 0,
    bytesSent: 0,
    bytesReceived: 0,
    url,
  }
}

function isRedirect (status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/** One client per virtual user: it owns at most one keep-alive connection per origin, as a k6 VU does. */
export function createHttpClient (options: HttpClientOptions): HttpClient {
  return new LeanHttpClient(options)
}

class LeanHttpClient implements HttpClient {
  readonly #options: HttpClientOptions
  /** The connection kept alive per origin (`protocol//host:port`). */
  readonly #kept = new Map<string, Connection>()
  /** Opened because the kept one was busy (concurrent requests to one origin); closed after their exchange. */
  readonly #extra = new Set<Connection>()
  #closed = false
  readonly #onGone = (conn: Connection): void => {
    if (this.#kept.get(conn.key) === conn) this.#kept.delete(conn.key)
    this.#extra.delete(conn)
  }

  constructor (options: HttpClientOptions) {
    this.#options = options
  }

  async request (spec: HttpRequestSpec): Promise<HttpResponse> {
    const deadlineMs = performance.now() + spec.timeoutMs
    const { method, url, headers, body } = spec
    let hop: Hop = { method, url, headers, body, wire: this.#wireOf(spec) }
    for (let redirects = 0; ; redirects++) {
      const { sample, errorMessage, location } = await this.#hop(hop, deadlineMs)
      this.#options.onSample(sample)
      const response: HttpResponse = {
        status: sample.status, errorKind: sample.errorKind, errorMessage, url: sample.url, sample,
      }
      if (sample.errorKind !== null || !isRedirect(sample.status) || location === null) return response
      if (redirects >= spec.maxRedirects) {
        response.errorMessage = `stopped after ${spec.maxRedirects} redirects`
        return response
      }
      const next = this.#redirected(hop, sample.status, location)
      if (next === null) return response
      hop = next
    }
  }

  close (): void {
    this.#closed = true
    for (const conn of [...this.#kept.values(), ...this.#extra]) conn.destroy()
    this.#kept.clear()
    this.#extra.clear()
  }

  #wireOf (spec: HttpRequestSpec): WireRequest {
    const userAgent = this.#options.userAgent
    const cached = WIRE_CACHE.get(spec)
    if (cached !== undefined && cached.userAgent === userAgent) return cached.wire
    const wire = wireRequestOf(spec, userAgent)
    WIRE_CACHE.set(spec, { userAgent, wire })
    return wire
  }

  /** One exchange, resent once on a fresh connection when a reused one turned out to be closed. */
  async #hop (hop: Hop, deadlineMs: number): Promise<{ sample: HttpSample, errorMessage: string | null,
    location: string | null }> {
    const { wire } = hop
    const sample = newSample(wire.href)
    if (wire.error !== null) {
      sample.errorKind = 'other'
      return { sample, errorMessage: wire.error, location: null }
    }
    for (let attempt = 0; ; attempt++) {
      const startMs = performance.now()
      const remainingMs = deadlineMs - startMs
      if (remainingMs <= 0 || this.#closed) {
        sample.errorKind = this.#closed ? 'other' : 'timeout'
        return { sample, errorMessage: this.#closed ? 'client closed' : 'request timed out', location: null }
      }
      const conn = this.#take(wire.origin, hop.url)
      const outcome = await conn.exchange(wire, sample, Math.ceil(remainingMs), startMs * 1000)
      if (this.#extra.size > 0 && this.#extra.delete(conn)) conn.destroy()
      if (outcome.retryable && attempt === 0) {
        sample.errorKind = null
        continue
      }
      return { sample, errorMessage: outcome.errorMessage, location: outcome.location }
    }
  }

  #take (key: string, url: URL): Connection {
    const kept = this.#kept.get(key)
    if (kept !== undefined && kept.alive && !kept.busy) return kept
    const { insecureSkipTLSVerify } = this.#options
    const conn = new Connection({ key, url, insecureSkipTLSVerify, onGone: this.#onGone })
    if (kept === undefined || !kept.alive) this.#kept.set(key, conn)
    else this.#extra.add(conn)
    return conn
  }

  /** The next hop of a redirect, or null when the location is unusable (the 3xx is then the final response). */
  #redirected (hop: Hop, status: number, location: string): Hop | null {
    let url: URL
    try {
      url = new URL(location, hop.url)
    } catch {
      return null
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    url.hash = ''
    // 303 always, and 301/302 after POST, become GET without a body (browsers, Go and so k6 do this).
    const toGet = (status === 303 && hop.method !== 'HEAD') ||
      ((status === 301 || status === 302) && hop.method === 'POST')
    const method = toGet ? 'GET' : hop.method
    let headers = hop.headers
    if (toGet || url.host !== hop.url.host) {
      headers = { ...headers }
      if (toGet) delete headers['content-type']
      if (url.host !== hop.url.host) for (const name of CREDENTIAL_HEADERS) delete headers[name]
    }
    const body = toGet ? undefined : hop.body
    const input = { method, url, headers, body }
    return { ...input, wire: wireRequestOf(input, this.#options.userAgent) }
  }
}
