/** Bodies up to this size are sent in the same write as the head: one syscall, one TCP segment. */
const COALESCE_BODY_BYTES = 16 * 1024
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])
/** Go's client (k6) sends `content-length: 0` for these when they carry no body; servers may insist on it. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
// RFC 9110 token characters for methods and header names; CR, LF and NUL in values would split the request.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const UNSAFE_VALUE = /[\r\n\0]/
/** Headers the client frames itself; a user value would desynchronise the connection. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'user-agent'])

/** A request serialised for the wire, built once per spec and reused for every iteration. */
export interface WireRequest {
  /** Head, plus the body when it is small. */
  head: Buffer
  /** The body when it is sent by a second write, else null. */
  body: Buffer | null
  bytes: number
  isHead: boolean
  /** Safe to resend when a reused keep-alive connection turns out to be closed. */
  idempotent: boolean
  /** Set when the head cannot be serialised (bad method or header); nothing is sent. */
  error: string | null
  /** Connection key, `protocol//host:port`. */
  origin: string
  url: URL
  href: string
}

export interface WireRequestInput {
  method: string
  url: URL
  headers: Record<string, string>
  body?: Uint8Array | undefined
}

/** Serialises the request line and headers; `userAgent` is sent unless the user set one. */
export function wireRequestOf (input: WireRequestInput, userAgent: string): WireRequest {
  const { method, url, headers } = input
  const body = input.body !== undefined && input.body.byteLength > 0 ? input.body : null
  const base = { isHead: method === 'HEAD', idempotent: IDEMPOTENT.has(method), origin: url.origin, url, href: url.href }
  if (!TOKEN.test(method)) return failed(`invalid HTTP method "${method}"`, base)
  const path = (url.pathname === '' ? '/' : url.pathname) + url.search
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${headers['host'] ?? url.host}\r\n`
  for (const name in headers) {
    const value = headers[name] ?? ''
    if (!TOKEN.test(name)) return failed(`invalid header name "${name}"`, base)
    if (UNSAFE_VALUE.test(value)) return failed(`header "${name}" contains CR, LF or NUL`, base)
    if (!FRAMING_HEADERS.has(name)) head += `${name}: ${value}\r\n`
  }
  head += `user-agent: ${headers['user-agent'] ?? userAgent}\r\n`
  if (body !== null || BODY_METHODS.has(method)) head += `content-length: ${body?.byteLength ?? 0}\r\n`
  head += `connection: ${headers['connection'] === 'close' ? 'close' : 'keep-alive'}\r\n\r\n`
  const headBytes = Buffer.from(head, 'latin1')
  const bytes = headBytes.length + (body?.byteLength ?? 0)
  if (body === null) return { ...base, head: headBytes, body: null, bytes, error: null }
  if (body.byteLength <= COALESCE_BODY_BYTES) {
    return { ...base, head: Buffer.concat([headBytes, body]), body: null, bytes, error: null }
  }
  const bodyBytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return { ...base, head: headBytes, body: bodyBytes, bytes, error: null }
}

function failed (error: string, base: Pick<WireRequest, 'isHead' | 'idempotent' | 'origin' | 'url' | 'href'>): WireRequest {
  return { ...base, head: Buffer.alloc(0), body: null, bytes: 0, error }
}
