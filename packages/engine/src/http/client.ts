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
  /** At most one idle connection per origin (`protocol//host:port`). */
  readonly #idle = new Map<string, Connection>()
  readonly #all = new Set<Connection>()
  #closed = false
  readonly #onGone = (conn: Connection): void => {
    this.#all.delete(conn)
    for (const [key, idle] of this.#idle) if (idle === conn) this.#idle.delete(key)
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
    for (const conn of this.#all) conn.destroy()
    this.#all.clear()
    this.#idle.clear()
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
    const sample = newSample(hop.url.href)
    if (hop.wire.error !== null) {
      sample.errorKind = 'other'
      return { sample, errorMessage: hop.wire.error, location: null }
    }
    const key = hop.url.origin
    for (let attempt = 0; ; attempt++) {
      const startMs = performance.now()
      const remainingMs = deadlineMs - startMs
      if (remainingMs <= 0 || this.#closed) {
        sample.errorKind = this.#closed ? 'other' : 'timeout'
        return { sample, errorMessage: this.#closed ? 'client closed' : 'request timed out', location: null }
      }
      const conn = this.#take(key, hop.url)
      const outcome = await conn.exchange(hop.wire, sample, Math.ceil(remainingMs), startMs * 1000)
      if (outcome.retryable && attempt === 0) {
        sample.errorKind = null
        continue
      }
      // A second connection to the same origin (concurrent requests) is closed rather than kept idle.
      if (conn.alive && !this.#closed && !this.#idle.has(key)) this.#idle.set(key, conn)
      else if (conn.alive) conn.destroy()
      return { sample, errorMessage: outcome.errorMessage, location: outcome.location }
    }
  }

  #take (key: string, url: URL): Connection {
    const idle = this.#idle.get(key)
    if (idle !== undefined) {
      this.#idle.delete(key)
      if (idle.alive) return idle
    }
    const { insecureSkipTLSVerify } = this.#options
    const conn = new Connection({ url, insecureSkipTLSVerify, onGone: this.#onGone })
    this.#all.add(conn)
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
