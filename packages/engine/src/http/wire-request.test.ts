import { describe, expect, it } from 'vitest'
import { errorKindOf } from './error-kind.js'
import { wireRequestOf } from './wire-request.js'

const text = (w: { head: Buffer }): string => w.head.toString('latin1')

describe('wireRequestOf', () => {
  it('writes the request line, host, user headers, user-agent and keep-alive', () => {
    const w = wireRequestOf({ method: 'GET', url: new URL('http://h.test:8080/p/a?x=1#frag'), headers: { accept: '*/*' } }, 'ua/1')
    expect(text(w)).toBe('GET /p/a?x=1 HTTP/1.1\r\nhost: h.test:8080\r\naccept: */*\r\nuser-agent: ua/1\r\n' +
      'connection: keep-alive\r\n\r\n')
    expect(w).toMatchObject({ body: null, isHead: false, idempotent: true, error: null, origin: 'http://h.test:8080' })
    expect(w.bytes).toBe(w.head.length)
  })

  it('keeps user host and user-agent, and drops framing headers the client owns', () => {
    const headers = { host: 'virtual.test', 'user-agent': 'mine', 'content-length': '99', 'transfer-encoding': 'chunked' }
    const w = wireRequestOf({ method: 'POST', url: new URL('https://h.test/'), headers, body: Buffer.from('abc') }, 'ua')
    expect(text(w)).toBe('POST / HTTP/1.1\r\nhost: virtual.test\r\nuser-agent: mine\r\ncontent-length: 3\r\n' +
      'connection: keep-alive\r\n\r\nabc')
    expect(w.idempotent).toBe(false)
  })

  it('sends content-length: 0 for a POST without body, as Go does, and none for GET', () => {
    expect(text(wireRequestOf({ method: 'POST', url: new URL('http://h/'), headers: {} }, 'ua'))).toContain('content-length: 0\r\n')
    expect(text(wireRequestOf({ method: 'GET', url: new URL('http://h/'), headers: {} }, 'ua'))).not.toContain('content-length')
  })

  it('sends a large body as a second buffer without copying it into the head', () => {
    const body = Buffer.alloc(100_000, 1)
    const w = wireRequestOf({ method: 'PUT', url: new URL('http://h/'), headers: {}, body }, 'ua')
    expect(w.body?.length).toBe(100_000)
    expect(w.bytes).toBe(w.head.length + 100_000)
  })

  it('refuses header injection and bad tokens instead of sending them', () => {
    expect(wireRequestOf({ method: 'GET', url: new URL('http://h/'), headers: { x: 'a\r\nb: c' } }, 'ua').error)
      .toBe('header "x" contains CR, LF or NUL')
    expect(wireRequestOf({ method: 'GET', url: new URL('http://h/'), headers: { 'a b': 'c' } }, 'ua').error)
      .toBe('invalid header name "a b"')
    expect(wireRequestOf({ method: 'GE T', url: new URL('http://h/'), headers: {} }, 'ua').error).toBe('invalid HTTP method "GE T"')
  })
})

describe('errorKindOf', () => {
  it.each([
    ['ECONNREFUSED', false, 'refused'], ['ECONNRESET', false, 'reset'], ['EPIPE', true, 'reset'],
    ['ENOTFOUND', false, 'dns'], ['EAI_AGAIN', false, 'dns'], ['ETIMEDOUT', false, 'timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', false, 'tls'], ['ERR_TLS_CERT_ALTNAME_INVALID', false, 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', false, 'tls'], ['EPROTO', true, 'tls'], ['EPROTO', false, 'other'],
    [undefined, false, 'other'],
  ] as const)('%s (during TLS: %s) is %s', (code, duringTls, kind) => {
    expect(errorKindOf(Object.assign(new Error('x'), { code }), duringTls)).toBe(kind)
  })
})
