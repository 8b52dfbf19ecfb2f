import { describe, expect, it } from 'vitest'
import { ResponseParser } from './response-parser.js'

interface Parsed {
  status: number
  keepAlive: boolean
  location: string | null
  consumed: number
  error: string | null
  done: boolean
}

/** Feeds `pieces` in order through one parser, as reads from a socket, and reports where the response ended. */
function parse (pieces: Buffer[], options: { isHead?: boolean, close?: boolean } = {}): Parsed {
  const parser = new ResponseParser()
  parser.reset(options.isHead ?? false)
  let consumed = 0
  for (const piece of pieces) {
    // Surround the bytes with junk, as a shared read buffer would be: the parser must respect start and end.
    const buf = Buffer.concat([Buffer.from('\n\nXX'), piece, Buffer.from('\r\n\r\nYY')])
    const r = parser.execute(buf, 4, 4 + piece.length)
    if (r < 0) break
    consumed += r - 4
    if (parser.done) break
  }
  if (options.close === true) parser.finishOnClose()
  const { status, keepAlive, location, error, done } = parser
  return { status, keepAlive, location, consumed, error, done }
}

/** Every way of cutting `text` into two reads, plus one byte per read. */
function splits (text: string): Buffer[][] {
  const all = Buffer.from(text, 'latin1')
  const out: Buffer[][] = [[all]]
  for (let i = 1; i < all.length; i++) out.push([all.subarray(0, i), all.subarray(i)])
  out.push([...all].map((b) => Buffer.from([b])))
  return out
}

const CASES: Array<[string, string, Partial<Parsed>]> = [
  ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello', { status: 200, keepAlive: true }],
  ['chunked with extensions and trailers',
    'HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
    '5;name=value;x="a b"\r\nhello\r\nA \r\n0123456789\r\n0;last\r\nx-t: 1\r\nx-u: 2\r\n\r\n', { status: 201 }],
  ['chunked, upper-case hex, no trailers', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1F\r\n' +
    `${'z'.repeat(31)}\r\n0\r\n\r\n`, { status: 200 }],
  ['interim 100 and 103 responses', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n' +
    'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', { status: 200 }],
  ['204 ignores content-length', 'HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n', { status: 204 }],
  ['304 without length', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n', { status: 304 }],
  ['connection: close', 'HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n', { status: 200, keepAlive: false }],
  ['HTTP/1.0 keep-alive', 'HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 1\r\n\r\nx', { keepAlive: true }],
  ['HTTP/1.0 defaults to close', 'HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nx', { keepAlive: false }],
  ['location on 3xx', 'HTTP/1.1 302 Found\r\nLocation:  /next?a=1 \r\ncontent-length: 0\r\n\r\n', { location: '/next?a=1' }],
  ['bare LF line endings', 'HTTP/1.1 200 OK\ncontent-length: 2\n\nok', { status: 200 }],
  ['chunked wins over content-length, then close', 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\n' +
    'transfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n', { status: 200, keepAlive: false }],
  ['no reason phrase', 'HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n', { status: 200 }],
  ['repeated equal content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 1\r\n\r\nx', { status: 200 }],
]

describe('ResponseParser', () => {
  it.each(CASES)('parses %s at every split point', (_name, text, expected) => {
    for (const pieces of splits(text)) {
      const parsed = parse(pieces)
      expect(parsed).toMatchObject({ done: true, error: null, consumed: text.length, ...expected })
    }
  })

  it('stops at the end of the response and leaves pipelined garbage unconsumed', () => {
    const text = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokGARBAGE'
    for (const pieces of splits(text)) expect(parse(pieces)).toMatchObject({ done: true, consumed: text.length - 7 })
  })

  it('reads a body delimited by close only when told the connection closed', () => {
    const text = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome body'
    expect(parse([Buffer.from(text)])).toMatchObject({ done: false, consumed: text.length })
    expect(parse([Buffer.from(text)], { close: true })).toMatchObject({ done: true, keepAlive: false })
    const unknownCoding = 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\ncontent-length: 3\r\n\r\nabcdef'
    expect(parse([Buffer.from(unknownCoding)], { close: true }))
      .toMatchObject({ done: true, consumed: unknownCoding.length })
  })

  it('does not wait for the body of a HEAD response', () => {
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n')], { isHead: true })).toMatchObject({ done: true })
  })

  it('does not decode a location outside 3xx', () => {
    expect(parse([Buffer.from('HTTP/1.1 201 Created\r\nlocation: /x\r\ncontent-length: 0\r\n\r\n')]).location).toBeNull()
  })

  it('accepts large headers split over many reads', () => {
    const text = `HTTP/1.1 200 OK\r\nx-big: ${'v'.repeat(100_000)}\r\ncontent-length: 0\r\n\r\n`
    const all = Buffer.from(text)
    const pieces: Buffer[] = []
    for (let i = 0; i < all.length; i += 1_000) pieces.push(all.subarray(i, i + 1_000))
    expect(parse(pieces)).toMatchObject({ done: true, consumed: text.length })
  })

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH_9\r\n\r\n', 'malformed status line'],
    ['bad status code', 'HTTP/1.1 2x0 OK\r\n\r\n', 'malformed status code'],
    ['status without space', 'HTTP/1.1 2000 OK\r\n\r\n', 'malformed status code'],
    ['bad content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n', 'invalid content-length'],
    ['conflicting content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n', 'invalid content-length'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 'invalid chunk size'],
    ['missing chunk CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nabc', 'missing CRLF after chunk data'],
    ['huge chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\n', 'chunk size too large'],
    ['head too large', `HTTP/1.1 200 OK\r\nx: ${'a'.repeat(300_000)}\r\n\r\n`, 'response head larger than 262144 bytes'],
  ])('rejects %s', (_name, text, error) => {
    for (const pieces of [[Buffer.from(text)], splits(text)[7] ?? []]) expect(parse(pieces).error).toBe(error)
  })

  it('is reusable across responses on one connection', () => {
    const parser = new ResponseParser()
    const texts = ['HTTP/1.1 301 Moved\r\nlocation: /a\r\ncontent-length: 0\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n']
    for (const text of texts) {
      parser.reset(false)
      const buf = Buffer.from(text)
      expect(parser.execute(buf, 0, buf.length)).toBe(buf.length)
      expect(parser.done).toBe(true)
    }
    expect(parser.location).toBeNull()
    expect(parser.status).toBe(200)
  })
})
