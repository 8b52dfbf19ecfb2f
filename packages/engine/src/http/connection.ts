import dns from 'node:dns'
import net from 'node:net'
import tls from 'node:tls'
import type { ErrorKind } from '@loadfleet/core'
import { errorKindOf } from './error-kind.js'
import { ResponseParser } from './response-parser.js'
import type { EgressCheck, HttpSample } from './types.js'
import type { WireRequest } from './wire-request.js'

/**
 * One read buffer shared by every plain-TCP socket in the process: reads are parsed synchronously and nothing keeps
 * a reference to it, so 10,000 idle connections cost no read buffers at all.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

/** Where a connection is in its life; used to attribute failures (a handshake failure is a TLS error). */
const P_CONNECTING = 0
const P_TLS = 1
const P_OPEN = 2

export interface ConnectionOptions {
  /** The owner's key for this connection's origin. */
  key: string
  url: URL
  insecureSkipTLSVerify: boolean
  /** Close after one exchange (a second connection to a busy origin). */
  oneShot: boolean
  /** Told when the socket is gone, so the owner stops offering it for reuse. */
  onGone: (conn: Connection) => void
  /** Checked for every address the host name resolves to, before connecting (see `egressPreCheck`). */
  egress?: EgressCheck | undefined
}

/** The error a connection fails with when the egress policy refuses the address its host resolved to. */
export const EGRESS_DENIED = 'LF_EGRESS_DENIED'

/**
 * The egress check of a new connection before DNS: host names by name rules, literal addresses by address rules.
 * Returns the refusal message, or null to go ahead. A resolved name is checked again in `egressLookup`.
 */
export function egressPreCheck (egress: EgressCheck | undefined, url: URL): string | null {
  if (egress === undefined) return null
  const refusal = egress({ host: hostOf(url), port: portOf(url) })
  return refusal === undefined ? null : `egress policy: ${refusal}`
}

/** dns.lookup that refuses an address the policy denies: a name cannot resolve its way into a denied range. */
function egressLookup (egress: EgressCheck, host: string, port: number): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, options, (err, address, family) => {
      if (err !== null) return callback(err, address, family)
      for (const one of typeof address === 'string' ? [address] : address.map((a) => a.address)) {
        const refusal = egress({ host, port, address: one })
        if (refusal !== undefined) {
          const denied: NodeJS.ErrnoException = new Error(`egress policy: ${refusal}`)
          denied.code = EGRESS_DENIED
          return callback(denied, address, family)
        }
      }
      callback(null, address, family)
    })
  }
}

function hostOf (url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

function portOf (url: URL): number {
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
}

/** Outcome of one exchange beyond what goes into the sample. */
export interface ExchangeOutcome {
  errorMessage: string | null
  /** The request may be resent on a fresh connection: nothing came back on a reused one. */
  retryable: boolean
  location: string | null
  /** Headers and body, when the exchange was asked to capture them. */
  captured?: { headers: Array<[string, string]>, body: Buffer }
}

function nowUs (): number {
  return performance.now() * 1000
}

/** A keep-alive HTTP/1.1 connection carrying one exchange at a time, with k6's timing phases. */
export class Connection {
  /** Completed exchanges; a reused socket may have been closed by the server while idle. */
  served = 0
  alive = true
  readonly key: string
  readonly #socket: net.Socket
  readonly #parser = new ResponseParser()
  readonly #onGone: (conn: Connection) => void
  readonly #oneShot: boolean
  #phase = P_CONNECTING
  #wire: WireRequest | null = null
  #capture = false
  #sample: HttpSample | null = null
  #resolve: ((outcome: ExchangeOutcome) => void) | null = null
  /** Lazily re-armed (as autocannon's retimer): one timer fire per timeout period, not a timer per request. */
  #timer: NodeJS.Timeout | null = null
  #timerAtMs = 0
  #deadlineMs = 0
  #timeoutMs = 0
  #hopStartUs = 0
  #writeStartUs = 0
  #sentUs = 0
  #firstByteUs = 0
  #lookupUs = 0
  #connectUs = 0
  readonly #onWritten = (): void => {
    if (this.#sentUs === 0) this.#sentUs = nowUs()
  }

  readonly #onTimer = (): void => {
    this.#timer = null
    if (this.#sample === null) return
    const leftMs = this.#deadlineMs - performance.now()
    if (leftMs > 0) this.#arm(leftMs)
    else this.#timedOut()
  }

  constructor (options: ConnectionOptions) {
    const { url } = options
    this.#onGone = options.onGone
    this.key = options.key
    this.#oneShot = options.oneShot
    this.#hopStartUs = nowUs()
    const host = hostOf(url)
    const secure = url.protocol === 'https:'
    const port = portOf(url)
    // Literal addresses were checked by egressPreCheck; names are checked once per resolution, not per request.
    const lookup = options.egress === undefined || net.isIP(host) !== 0
      ? {}
      : { lookup: egressLookup(options.egress, host, port) }
    if (secure) {
      this.#socket = tls.connect({
        host,
        port,
        ...lookup,
        rejectUnauthorized: !options.insecureSkipTLSVerify,
        ALPNProtocols: ['http/1.1'],
        // SNI carries host names only (RFC 6066).
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
      })
      this.#socket.on('data', (chunk: Buffer) => { this.#onBytes(chunk, 0, chunk.length) })
      this.#socket.once('secureConnect', () => { this.#opened() })
    } else {
      this.#socket = net.connect({
        host,
        port,
        ...lookup,
        onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.#onBytes(buf as Buffer, 0, n) },
      })
    }
    this.#socket.setNoDelay(true)
    this.#socket.once('lookup', () => { this.#lookupUs = nowUs() })
    this.#socket.once('connect', () => {
      this.#connectUs = nowUs()
      if (secure) this.#phase = P_TLS
      else this.#opened()
    })
    this.#socket.on('end', () => { this.#onEnd() })
    this.#socket.on('error', (err) => { this.#onError(err) })
    this.#socket.on('close', () => { this.#onClose() })
  }

  /**
   * Sends `wire` and reads the whole response, filling `sample`. Resolves, never rejects. `hopStartUs` is when the
   * hop began waiting for this connection (k6's blocked time starts there).
   */
  exchange (wire: WireRequest, sample: HttpSample, timeoutMs: number, hopStartUs: number, capture = false):
  Promise<ExchangeOutcome> {
    this.#wire = wire
    this.#sample = sample
    this.#parser.reset(wire.isHead, capture)
    this.#capture = capture
    this.#sentUs = 0
    this.#firstByteUs = 0
    if (this.#phase === P_OPEN) this.#hopStartUs = hopStartUs
    this.#deadlineMs = performance.now() + timeoutMs
    this.#timeoutMs = timeoutMs
    if (this.#timer === null || this.#timerAtMs > this.#deadlineMs) this.#arm(timeoutMs)
    const promise = new Promise<ExchangeOutcome>((resolve) => { this.#resolve = resolve })
    if (this.#phase === P_OPEN) this.#send()
    return promise
  }

  /** Whether an exchange is in flight. */
  get busy (): boolean {
    return this.#sample !== null
  }

  /** Closes the socket; an exchange in flight ends as a reset. */
  destroy (): void {
    this.alive = false
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#socket.destroy()
  }

  #arm (ms: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timerAtMs = performance.now() + ms
    // Unref: the socket keeps the process alive while it matters; a leftover timer must not.
    this.#timer = setTimeout(this.#onTimer, Math.ceil(ms)).unref()
  }

  #opened (): void {
    this.#phase = P_OPEN
    const sample = this.#sample
    if (sample === null) return
    const connectStart = this.#lookupUs > 0 ? this.#lookupUs : this.#hopStartUs
    sample.blockedUs = connectStart - this.#hopStartUs
    sample.connectingUs = this.#connectUs - connectStart
    if (this.#socket instanceof tls.TLSSocket) sample.tlsHandshakingUs = nowUs() - this.#connectUs
    this.#send()
  }

  #send (): void {
    const wire = this.#wire
    const sample = this.#sample
    if (wire === null || sample === null) return
    this.#writeStartUs = nowUs()
    if (this.served > 0) sample.blockedUs = this.#writeStartUs - this.#hopStartUs
    sample.bytesSent += wire.bytes
    if (wire.body === null) {
      this.#socket.write(wire.head, this.#onWritten)
    } else {
      this.#socket.write(wire.head)
      this.#socket.write(wire.body, this.#onWritten)
    }
    // A small request is handed to the kernel inside write(); its callback only runs on a later tick, which
    // under load would move server time from `waiting` into `sending`.
    if (this.#socket.writableLength === 0) this.#sentUs = nowUs()
  }

  /** Bytes from the socket; returns true to keep reading (the `onread` contract). */
  #onBytes (buf: Buffer, start: number, end: number): boolean {
    const sample = this.#sample
    if (sample === null) {
      // Bytes nobody asked for: the connection's framing can no longer be trusted.
      this.destroy()
      return false
    }
    if (this.#firstByteUs === 0) this.#firstByteUs = nowUs()
    const parser = this.#parser
    const consumed = parser.execute(buf, start, end)
    if (consumed < 0) {
      sample.bytesReceived += end - start
      this.#fail('other', `invalid HTTP response: ${parser.error ?? 'parse error'}`, false)
      this.destroy()
      return false
    }
    sample.bytesReceived += consumed - start
    if (parser.done) {
      // Anything after the response is a server bug (we never pipeline): do not reuse the connection.
      this.#complete(parser.keepAlive && consumed === end)
    }
    return true
  }

  #complete (keepAlive: boolean): void {
    const sample = this.#sample
    if (sample === null) return
    const doneUs = nowUs()
    const sentUs = this.#sentUs === 0 || this.#sentUs > this.#firstByteUs ? this.#firstByteUs : this.#sentUs
    sample.status = this.#parser.status
    sample.sendingUs = sentUs - this.#writeStartUs
    sample.waitingUs = this.#firstByteUs - sentUs
    sample.receivingUs = doneUs - this.#firstByteUs
    sample.durationUs = doneUs - this.#writeStartUs
    this.served++
    if (!keepAlive || this.#oneShot) this.destroy()
    const outcome: ExchangeOutcome = { errorMessage: null, retryable: false, location: this.#parser.location }
    if (this.#capture) outcome.captured = { headers: this.#parser.headers, body: this.#parser.takeBody() }
    this.#settle(outcome)
  }

  #fail (kind: ErrorKind, message: string, retryable: boolean): void {
    const sample = this.#sample
    if (sample === null) return
    const doneUs = nowUs()
    sample.status = 0
    sample.errorKind = kind
    if (this.#writeStartUs > 0 && this.#phase === P_OPEN) {
      const sentUs = this.#sentUs > 0 ? this.#sentUs : doneUs
      const firstUs = this.#firstByteUs > 0 ? this.#firstByteUs : doneUs
      sample.sendingUs = sentUs - this.#writeStartUs
      sample.waitingUs = Math.max(0, firstUs - sentUs)
      sample.receivingUs = this.#firstByteUs > 0 ? doneUs - firstUs : 0
      sample.durationUs = doneUs - this.#writeStartUs
    }
    this.#settle({ errorMessage: message, retryable, location: null })
  }

  #settle (outcome: ExchangeOutcome): void {
    const resolve = this.#resolve
    this.#resolve = null
    this.#sample = null
    this.#wire = null
    this.#writeStartUs = 0
    resolve?.(outcome)
  }

  #timedOut (): void {
    this.#fail('timeout', `request timed out after ${this.#timeoutMs} ms`, false)
    this.destroy()
  }

  /** Nothing of the response arrived on a socket that had served before: the server closed it while idle. */
  #retryable (): boolean {
    return this.served > 0 && !this.#parser.started && this.#wire?.idempotent === true
  }

  #onEnd (): void {
    if (this.#sample !== null) {
      if (this.#parser.finishOnClose()) this.#complete(false)
      else this.#fail('reset', 'connection closed before the response was complete', this.#retryable())
    }
    this.destroy()
  }

  #onError (err: Error): void {
    if (this.#sample !== null) {
      const kind = errorKindOf(err, this.#phase === P_TLS)
      this.#fail(kind, err.message, kind === 'reset' && this.#retryable())
    }
    this.destroy()
  }

  #onClose (): void {
    this.alive = false
    if (this.#sample !== null) {
      if (this.#parser.finishOnClose()) this.#complete(false)
      else this.#fail('reset', 'connection closed before the response was complete', this.#retryable())
    }
    this.#onGone(this)
  }
}
