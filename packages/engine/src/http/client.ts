import { Connection, egressPreCheck, type ExchangeOutcome } from './connection.js'
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
  /** Opened because the kept one was busy (concurrent requests to one origin); they close after one exchange. */
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
      const sample = newSample(hop.wire.href)
      const capture = spec.capture === true
      let outcome = await this.#exchange(hop.wire, sample, deadlineMs, capture)
      if (outcome.retryable) {
        // Resent once, on a fresh connection: the reused one was closed by the server before answering.
        sample.errorKind = null
        outcome = await this.#exchange(hop.wire, sample, deadlineMs, capture)
      }
      this.#options.onSample(sample)
      const response: HttpResponse = {
        status: sample.status, errorKind: sample.errorKind, errorMessage: outcome.errorMessage, url: sample.url, sample,
      }
      if (outcome.captured !== undefined) {
        response.headers = outcome.captured.headers
        response.body = outcome.captured.body
      }
      const { location } = outcome
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

  /** One exchange on the origin's connection; not async, so the hot path allocates one promise, not three. */
  #exchange (wire: WireRequest, sample: HttpSample, deadlineMs: number, capture: boolean): Promise<ExchangeOutcome> {
    if (wire.error !== null) {
      sample.errorKind = 'other'
      return Promise.resolve({ errorMessage: wire.error, retryable: false, location: null })
    }
    const startMs = performance.now()
    const remainingMs = deadlineMs - startMs
    if (remainingMs <= 0 || this.#closed) {
      sample.errorKind = this.#closed ? 'other' : 'timeout'
      const errorMessage = this.#closed ? 'client closed' : 'request timed out'
      return Promise.resolve({ errorMessage, retryable: false, location: null })
    }
    const conn = this.#take(wire.origin, wire.url)
    if (typeof conn === 'string') {
      sample.errorKind = 'other'
      return Promise.resolve({ errorMessage: conn, retryable: false, location: null })
    }
    return conn.exchange(wire, sample, Math.ceil(remainingMs), startMs * 1000, capture)
  }

  /** The origin's idle kept connection, or a new one; a refusal message when the egress policy denies the origin. */
  #take (key: string, url: URL): Connection | string {
    const kept = this.#kept.get(key)
    if (kept !== undefined && kept.alive && !kept.busy) return kept
    const { insecureSkipTLSVerify, egress } = this.#options
    const refusal = egressPreCheck(egress, url)
    if (refusal !== null) return refusal
    const oneShot = kept !== undefined && kept.alive
    const conn = new Connection({ key, url, insecureSkipTLSVerify, oneShot, onGone: this.#onGone, egress })
    if (oneShot) this.#extra.add(conn)
    else this.#kept.set(key, conn)
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
