import { CR, COLON, HTAB, LF, SP, containsLower, equalsLower, hexValue } from './bytes.js'

/** Status line plus headers of one response; Go's client (k6) allows 1 MB, Node 16 KB. Bounds memory per VU. */
const MAX_HEAD_BYTES = 256 * 1024
/** Chunk-extension and trailer bytes tolerated; they are skipped, never kept. */
const MAX_CHUNK_META_BYTES = 64 * 1024
/** 2^48: any chunk larger than this is a broken server, and it keeps the arithmetic exact. */
const MAX_CHUNK_SIZE = 2 ** 48

// Parser states; plain numbers keep the hot switch monomorphic.
const S_STATUS = 0
const S_HEADER = 1
const S_BODY_LENGTH = 2
const S_BODY_EOF = 3
const S_CHUNK_SIZE = 4
const S_CHUNK_EXT = 5
const S_CHUNK_DATA = 6
const S_CHUNK_DATA_CR = 7
const S_CHUNK_DATA_LF = 8
const S_TRAILER_START = 9
const S_TRAILER_LINE = 10
const S_TRAILER_END_LF = 11
const S_DONE = 12

const HTTP_1_PREFIX = Buffer.from('HTTP/1.', 'latin1')
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1')
const CONNECTION = Buffer.from('connection', 'latin1')
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1')
const LOCATION = Buffer.from('location', 'latin1')
const CLOSE = Buffer.from('close', 'latin1')
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1')
const CHUNKED = Buffer.from('chunked', 'latin1')

/**
 * Incremental HTTP/1.x response parser that reads only what a load generator needs (status, framing, connection,
 * location) and discards bodies as it goes. Bytes are scanned in place: only a head line split across two reads is
 * copied, so callers may hand it a buffer they reuse for every read.
 */
export class ResponseParser {
  status = 0
  /** Whether the connection may carry another request once this response is done. */
  keepAlive = true
  /** Location header, decoded only for 3xx responses. */
  location: string | null = null
  done = false
  error: string | null = null
  /** Every header as received (name as sent, value trimmed); only kept when capturing. */
  headers: Array<[string, string]> = []
  #capture = false
  #bodyParts: Buffer[] = []
  #state = S_STATUS
  #isHead = false
  #http10 = false
  #connClose = false
  #connKeepAlive = false
  #chunked = false
  #otherCoding = false
  #contentLength = -1
  #remaining = 0
  #sawDigit = false
  #headBytes = 0
  #metaBytes = 0
  #carry: Buffer | null = null

  /** Prepares for the response to a new request; `isHead` because a HEAD response has headers but no body. */
  reset (isHead: boolean, capture = false): void {
    this.#capture = capture
    this.headers = []
    this.#bodyParts = []
    this.status = 0
    this.keepAlive = true
    this.location = null
    this.done = false
    this.error = null
    this.#state = S_STATUS
    this.#isHead = isHead
    this.#resetHead()
  }

  /** The body read so far (capture mode only); the parts are copies, as the read buffer is reused. */
  takeBody (): Buffer {
    const body = this.#bodyParts.length === 1 ? this.#bodyParts[0] as Buffer : Buffer.concat(this.#bodyParts)
    this.#bodyParts = []
    return body
  }

  #keep (buf: Buffer, from: number, to: number): void {
    if (this.#capture && to > from) this.#bodyParts.push(Buffer.from(buf.subarray(from, to)))
  }

  /** Whether any byte of a response head has been consumed. */
  get started (): boolean {
    return this.#state !== S_STATUS || this.#headBytes > 0 || this.#carry !== null
  }

  /**
   * Consumes `buf[start, end)`. Returns the index just past the last byte of this response (< end when the server
   * sent more than one response), or -1 with `error` set on a protocol error.
   */
  execute (buf: Buffer, start: number, end: number): number {
    let pos = start
    while (pos < end) {
      switch (this.#state) {
        case S_STATUS:
        case S_HEADER:
          pos = this.#head(buf, pos, end)
          break
        case S_BODY_LENGTH: {
          const n = Math.min(this.#remaining, end - pos)
          this.#keep(buf, pos, pos + n)
          pos += n
          this.#remaining -= n
          if (this.#remaining === 0) this.#finish()
          break
        }
        case S_BODY_EOF:
          this.#keep(buf, pos, end)
          return end
        case S_CHUNK_DATA: {
          const n = Math.min(this.#remaining, end - pos)
          this.#keep(buf, pos, pos + n)
          pos += n
          this.#remaining -= n
          if (this.#remaining === 0) this.#state = S_CHUNK_DATA_CR
          break
        }
        case S_CHUNK_EXT:
        case S_TRAILER_LINE:
          pos = this.#skipLine(buf, pos, end)
          break
        default:
          pos = this.#chunkByte(buf[pos] ?? 0, pos)
      }
      if (pos < 0) return -1
      if (this.#state === S_DONE) return pos
    }
    return pos
  }

  /** The server closed the connection: ends a body delimited by close. Returns whether the response is complete. */
  finishOnClose (): boolean {
    if (this.#state === S_BODY_EOF) this.#finish()
    return this.done
  }

  #resetHead (): void {
    this.#http10 = false
    this.#connClose = false
    this.#connKeepAlive = false
    this.#chunked = false
    this.#otherCoding = false
    this.#contentLength = -1
    this.#remaining = 0
    this.#sawDigit = false
    this.#headBytes = 0
    this.#metaBytes = 0
    this.#carry = null
  }

  #fail (message: string): number {
    this.error = message
    this.#state = S_DONE
    return -1
  }

  #finish (): void {
    this.#state = S_DONE
    this.done = true
  }

  /** Consumes head bytes line by line; a line split across reads is carried over as a copy. */
  #head (buf: Buffer, pos: number, end: number): number {
    let lf = buf.indexOf(LF, pos)
    if (lf < 0 || lf >= end) lf = -1
    const taken = (lf < 0 ? end : lf + 1) - pos
    this.#headBytes += taken
    if (this.#headBytes > MAX_HEAD_BYTES) return this.#fail(`response head larger than ${MAX_HEAD_BYTES} bytes`)
    if (lf < 0) {
      const piece = Buffer.from(buf.subarray(pos, end))
      this.#carry = this.#carry === null ? piece : Buffer.concat([this.#carry, piece])
      return end
    }
    if (this.#carry !== null) {
      const line = Buffer.concat([this.#carry, buf.subarray(pos, lf + 1)])
      this.#carry = null
      return this.#line(line, 0, line.length - 1) ? lf + 1 : -1
    }
    return this.#line(buf, pos, lf) ? lf + 1 : -1
  }

  /** One head line `b[s, lf)` (lf is the index of its LF). Returns false on a protocol error. */
  #line (b: Buffer, s: number, lf: number): boolean {
    const e = lf > s && b[lf - 1] === CR ? lf - 1 : lf
    if (this.#state === S_STATUS) return this.#statusLine(b, s, e)
    if (e === s) return this.#endOfHead()
    if (this.#capture) this.#captureHeader(b, s, e)
    const c = (b[s] ?? 0) | 0x20
    // Only these four headers matter; checking the first letter skips the rest without searching for the colon.
    if (c !== 0x63 && c !== 0x74 && c !== 0x6c) return true
    const colon = b.indexOf(COLON, s)
    if (colon < 0 || colon >= e) return true
    let vs = colon + 1
    while (vs < e && (b[vs] === SP || b[vs] === HTAB)) vs++
    let ve = e
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--
    if (equalsLower(b, s, colon, CONTENT_LENGTH)) return this.#contentLengthValue(b, vs, ve)
    if (equalsLower(b, s, colon, CONNECTION)) {
      if (containsLower(b, vs, ve, CLOSE)) this.#connClose = true
      if (containsLower(b, vs, ve, KEEP_ALIVE)) this.#connKeepAlive = true
    } else if (equalsLower(b, s, colon, TRANSFER_ENCODING)) {
      // The final coding decides the framing; anything but chunked there means "read until close".
      if (ve - vs >= CHUNKED.length && equalsLower(b, ve - CHUNKED.length, ve, CHUNKED)) this.#chunked = true
      else this.#otherCoding = true
    } else if (equalsLower(b, s, colon, LOCATION) && this.status >= 300 && this.status < 400) {
      this.location = b.toString('latin1', vs, ve)
    }
    return true
  }

  #captureHeader (b: Buffer, s: number, e: number): void {
    const colon = b.indexOf(COLON, s)
    if (colon < 0 || colon >= e) return
    this.headers.push([b.toString('latin1', s, colon).trim(), b.toString('latin1', colon + 1, e).trim()])
  }

  #statusLine (b: Buffer, s: number, e: number): boolean {
    if (e - s < 12 || !equalsLower(b, s, s + 7, HTTP_1_PREFIX) || b[s + 8] !== SP) {
      this.#fail('malformed status line')
      return false
    }
    const d0 = (b[s + 9] ?? 0) - 48
    const d1 = (b[s + 10] ?? 0) - 48
    const d2 = (b[s + 11] ?? 0) - 48
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (e > s + 12 && b[s + 12] !== SP)) {
      this.#fail('malformed status code')
      return false
    }
    this.status = d0 * 100 + d1 * 10 + d2
    this.#http10 = b[s + 7] === 48
    this.#state = S_HEADER
    return true
  }

  #contentLengthValue (b: Buffer, vs: number, ve: number): boolean {
    let n = 0
    for (let i = vs; i < ve; i++) {
      const d = (b[i] ?? 0) - 48
      if (d < 0 || d > 9 || n > Number.MAX_SAFE_INTEGER / 10) {
        this.#fail('invalid content-length')
        return false
      }
      n = n * 10 + d
    }
    if (ve === vs || (this.#contentLength >= 0 && this.#contentLength !== n)) {
      this.#fail('invalid content-length')
      return false
    }
    this.#contentLength = n
    return true
  }

  #endOfHead (): boolean {
    const status = this.status
    if (status < 200 && status !== 101) {
      // Interim response (100 Continue, 103 Early Hints): the real one follows on the same connection.
      this.status = 0
      this.location = null
      this.headers = []
      this.#resetHead()
      this.#state = S_STATUS
      return true
    }
    this.keepAlive = this.#http10 ? this.#connKeepAlive && !this.#connClose : !this.#connClose
    if (status === 101) this.keepAlive = false
    if (this.#isHead || status === 204 || status === 304 || status === 101) {
      this.#finish()
    } else if (this.#chunked && !this.#otherCoding) {
      // Both framings at once is how responses get smuggled: chunked wins, and the connection is not trusted again.
      if (this.#contentLength >= 0) this.keepAlive = false
      this.#state = S_CHUNK_SIZE
      this.#remaining = 0
      this.#sawDigit = false
    } else if (this.#contentLength >= 0 && !this.#otherCoding && !this.#chunked) {
      this.#remaining = this.#contentLength
      if (this.#remaining === 0) this.#finish()
      else this.#state = S_BODY_LENGTH
    } else {
      this.#state = S_BODY_EOF
      this.keepAlive = false
    }
    return true
  }

  /** Chunk-size digits and the CRLFs around chunk data, one byte at a time (they are a few bytes per chunk). */
  #chunkByte (byte: number, pos: number): number {
    switch (this.#state) {
      case S_CHUNK_SIZE: {
        const v = hexValue(byte)
        if (v >= 0) {
          this.#remaining = this.#remaining * 16 + v
          this.#sawDigit = true
          if (this.#remaining > MAX_CHUNK_SIZE) return this.#fail('chunk size too large')
        } else if (byte === LF || byte === CR || byte === 0x3b || byte === SP || byte === HTAB) {
          if (!this.#sawDigit) return this.#fail('invalid chunk size')
          if (byte === LF) this.#endChunkSize()
          else this.#state = S_CHUNK_EXT
        } else {
          return this.#fail('invalid chunk size')
        }
        return pos + 1
      }
      case S_CHUNK_DATA_CR:
        if (byte === CR) this.#state = S_CHUNK_DATA_LF
        else if (byte === LF) this.#nextChunk()
        else return this.#fail('missing CRLF after chunk data')
        return pos + 1
      case S_CHUNK_DATA_LF:
        if (byte !== LF) return this.#fail('missing CRLF after chunk data')
        this.#nextChunk()
        return pos + 1
      case S_TRAILER_START:
        if (byte === CR) this.#state = S_TRAILER_END_LF
        else if (byte === LF) this.#finish()
        else this.#state = S_TRAILER_LINE
        return byte === CR || byte === LF ? pos + 1 : pos
      case S_TRAILER_END_LF:
        if (byte !== LF) return this.#fail('malformed chunked trailer')
        this.#finish()
        return pos + 1
      default:
        return this.#fail('parser in an unexpected state')
    }
  }

  #nextChunk (): void {
    this.#state = S_CHUNK_SIZE
    this.#remaining = 0
    this.#sawDigit = false
  }

  #endChunkSize (): void {
    this.#state = this.#remaining === 0 ? S_TRAILER_START : S_CHUNK_DATA
  }

  /** Skips a chunk extension or a trailer line up to and including its LF. */
  #skipLine (buf: Buffer, pos: number, end: number): number {
    let lf = buf.indexOf(LF, pos)
    if (lf >= end) lf = -1
    this.#metaBytes += (lf < 0 ? end : lf + 1) - pos
    if (this.#metaBytes > MAX_CHUNK_META_BYTES) return this.#fail('chunk extensions or trailers too large')
    if (lf < 0) return end
    if (this.#state === S_CHUNK_EXT) this.#endChunkSize()
    else this.#state = S_TRAILER_START
    return lf + 1
  }
}
