import { STATUS_CODES } from 'node:http'
import type { ErrorKind } from '@loadfleet/core'
import type { HttpResponse } from '../../http/index.js'

/** k6's error codes for transport failures (lib/netext/httpext/error_codes.go). */
const ERROR_CODES: Record<ErrorKind, number> = {
  timeout: 1050, dns: 1100, refused: 1212, reset: 1220, tls: 1300, other: 1000,
}
/** k6 reports an HTTP error status as 1000 + the status. */
const HTTP_ERROR_CODE_BASE = 1000

export type ResponseType = 'text' | 'binary' | 'none'

/** Go's canonical header key (`content-type` → `Content-Type`), which k6 scripts index headers by. */
function canonical (name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
}

/** The request a response answers, as k6 exposes it on `res.request`. */
export interface ResponseRequest {
  method: string
  url: string
  headers: Record<string, string[]>
  body: string
}

/** k6's Response: what a script reads of one request's outcome. */
export class K6Response {
  readonly status: number
  readonly url: string
  readonly error: string
  readonly error_code: number
  readonly proto = 'HTTP/1.1'
  // Body, headers, timings and the request are decoded on first read: most scripts read only the status.
  readonly #response: HttpResponse
  readonly #responseType: ResponseType
  readonly #request: () => ResponseRequest
  #body: string | ArrayBuffer | null | undefined
  #headers: Record<string, string> | undefined
  #timings: Record<string, number> | undefined
  #json: unknown
  #parsed = false

  constructor (response: HttpResponse, responseType: ResponseType, request: () => ResponseRequest) {
    this.#response = response
    this.#responseType = responseType
    this.#request = request
    this.status = response.status
    this.url = response.url
    this.error = response.errorKind === null ? '' : response.errorMessage ?? response.errorKind
    this.error_code = response.errorKind !== null
      ? ERROR_CODES[response.errorKind]
      : response.status >= 400 ? HTTP_ERROR_CODE_BASE + response.status : 0
  }

  get status_text (): string {
    return this.status === 0 ? '' : `${this.status} ${STATUS_CODES[this.status] ?? ''}`.trim()
  }

  get request (): ResponseRequest {
    return this.#request()
  }

  get body (): string | ArrayBuffer | null {
    if (this.#body !== undefined) return this.#body
    const bytes = this.#response.body
    const type = this.#responseType
    this.#body = type === 'none' ? null
      : bytes === undefined ? ''
        : type === 'binary'
          ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
          : bytes.toString('utf8')
    return this.#body
  }

  get headers (): Record<string, string> {
    if (this.#headers !== undefined) return this.#headers
    const headers: Record<string, string> = {}
    for (const [name, value] of this.#response.headers ?? []) {
      const key = canonical(name)
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
    }
    this.#headers = headers
    return headers
  }

  get timings (): Record<string, number> {
    if (this.#timings !== undefined) return this.#timings
    const s = this.#response.sample
    this.#timings = {
      duration: s.durationUs / 1000,
      blocked: s.blockedUs / 1000,
      connecting: s.connectingUs / 1000,
      tls_handshaking: s.tlsHandshakingUs / 1000,
      sending: s.sendingUs / 1000,
      waiting: s.waitingUs / 1000,
      receiving: s.receivingUs / 1000,
    }
    return this.#timings
  }

  /** The body parsed as JSON; with a selector (`a.b.0.c`), the value at that path, or undefined. */
  json (selector?: string): unknown {
    if (!this.#parsed) {
      if (typeof this.body !== 'string') throw new Error('the response has no text body to parse as JSON')
      this.#json = JSON.parse(this.body)
      this.#parsed = true
    }
    if (selector === undefined || selector === '') return this.#json
    let value: unknown = this.#json
    for (const part of selector.split('.')) {
      if (value === null || typeof value !== 'object') return undefined
      if (part === '#' && Array.isArray(value)) return value.length
      value = (value as Record<string, unknown>)[part]
    }
    return value
  }

  /** Cookies the response set, by name, as k6 lists them. */
  get cookies (): Record<string, Array<{ name: string, value: string }>> {
    const out: Record<string, Array<{ name: string, value: string }>> = {}
    const header = this.headers['Set-Cookie']
    if (header === undefined) return out
    for (const one of header.split(/,(?=\s*[^;=,\s]+=)/)) {
      const [pair = ''] = one.split(';')
      const at = pair.indexOf('=')
      if (at <= 0) continue
      const name = pair.slice(0, at).trim()
      ;(out[name] ??= []).push({ name, value: pair.slice(at + 1).trim() })
    }
    return out
  }
}

/** A response for a request that could not even be built (bad URL, bad method), as k6 returns it. */
export function failedResponse (url: string, message: string, code: number): Record<string, unknown> {
  return {
    status: 0, status_text: '', url, body: null, headers: {}, error: message, error_code: code,
    timings: { duration: 0, blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0 },
    json: () => { throw new Error(message) },
  }
}
