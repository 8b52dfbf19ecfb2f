import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient, type HttpClient, type HttpRequestSpec, type HttpSample } from '../src/http/index.js'

// Real node:http and raw TCP servers on loopback; the raw ones script exact bytes, resets and half responses.

interface RawServer {
  url: string
  connections: number
  requests: string[]
  close: () => Promise<void>
}

/** A TCP server that hands each complete request head (and its content-length body) to `respond`. */
async function rawServer (respond: (socket: net.Socket, head: string, index: number) => void): Promise<RawServer> {
  const state: RawServer = { url: '', connections: 0, requests: [], close: async () => {} }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let pending = ''
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1')
      for (;;) {
        const end = pending.indexOf('\r\n\r\n')
        if (end < 0) return
        const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0)
        if (pending.length < end + 4 + length) return
        const request = pending.slice(0, end + 4 + length)
        pending = pending.slice(end + 4 + length)
        state.requests.push(request)
        respond(socket, request, state.requests.length - 1)
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = async () => {
    for (const s of sockets) s.destroy()
    server.close()
    await once(server, 'close')
  }
  return state
}

function spec (url: string, extra: Partial<HttpRequestSpec> = {}): HttpRequestSpec {
  return { method: 'GET', url: new URL(url), headers: {}, timeoutMs: 5_000, maxRedirects: 10, ...extra }
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'

let client: HttpClient
let samples: HttpSample[]
function newClient (insecureSkipTLSVerify = false): HttpClient {
  samples = []
  client = createHttpClient({ insecureSkipTLSVerify, userAgent: 'loadfleet/test', onSample: (s) => samples.push(s) })
  return client
}
afterEach(() => { client.close() })

describe('keep-alive and byte counts', () => {
  it('reuses one connection, counts exact bytes and sends the expected head', async () => {
    const server = await rawServer((socket) => socket.write(OK))
    newClient()
    for (let i = 0; i < 3; i++) {
      const res = await client.request(spec(`${server.url}/a?b=1`, { headers: { 'x-k': 'v' } }))
      expect(res).toMatchObject({ status: 200, errorKind: null, errorMessage: null, url: `${server.url}/a?b=1` })
    }
    expect(server.connections).toBe(1)
    expect(server.requests[0]).toBe(`GET /a?b=1 HTTP/1.1\r\nhost: ${server.url.slice(7)}\r\nx-k: v\r\n` +
      'user-agent: loadfleet/test\r\nconnection: keep-alive\r\n\r\n')
    expect(samples).toHaveLength(3)
    for (const s of samples) {
      expect(s.bytesReceived).toBe(OK.length)
      expect(s.bytesSent).toBe(server.requests[0]?.length)
      expect(s.durationUs).toBeGreaterThan(0)
      expect(s.durationUs).toBeCloseTo(s.sendingUs + s.waitingUs + s.receivingUs, 3)
    }
    expect(samples[0]?.connectingUs).toBeGreaterThan(0)
    expect(samples[1]?.connectingUs).toBe(0)
    await server.close()
  })

  it('sends a POST body with its content-length and counts it in bytesSent', async () => {
    const server = await rawServer((socket) => socket.write(OK))
    newClient()
    const body = Buffer.from('{"q":"shoes"}')
    const res = await client.request(spec(server.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }))
    expect(res.status).toBe(200)
    expect(server.requests[0]).toContain('content-length: 13\r\n')
    expect(server.requests[0]?.endsWith('\r\n\r\n{"q":"shoes"}')).toBe(true)
    expect(samples[0]?.bytesSent).toBe(server.requests[0]?.length)
    await server.close()
  })

  it('reads chunked bodies with extensions and trailers, then reuses the connection', async () => {
    const chunked = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n' +
      '6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n'
    const server = await rawServer((socket) => socket.write(chunked))
    newClient()
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect(server.connections).toBe(1)
    expect(samples[1]?.bytesReceived).toBe(chunked.length)
    await server.close()
  })

  it('reads a body ended by close and opens a new connection afterwards', async () => {
    const response = 'HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nbody until close'
    const server = await rawServer((socket) => socket.end(response))
    newClient()
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect(samples[0]?.bytesReceived).toBe(response.length)
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect(server.connections).toBe(2)
    await server.close()
  })

  it('does not wait for a body after HEAD, 204 and 304, and skips 1xx responses', async () => {
    const server = await rawServer((socket, head) => {
      if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n')
      else if (head.includes('/204')) socket.write('HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n')
      else if (head.includes('/304')) socket.write('HTTP/1.1 304 Not Modified\r\n\r\n')
      else socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${OK}`)
    })
    newClient()
    expect((await client.request(spec(server.url, { method: 'HEAD' }))).status).toBe(200)
    expect((await client.request(spec(`${server.url}/204`))).status).toBe(204)
    expect((await client.request(spec(`${server.url}/304`))).status).toBe(304)
    expect((await client.request(spec(`${server.url}/1xx`))).status).toBe(200)
    expect((await client.request(spec(server.url, { method: 'HEAD' }))).status).toBe(200)
    expect(server.connections).toBe(1)
    await server.close()
  })

  it('honours connection: close from the server and drops a connection with trailing garbage', async () => {
    const server = await rawServer((socket, _head, i) => {
      if (i === 0) socket.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok')
      else socket.write(`${OK}GARBAGE`)
    })
    newClient()
    for (let i = 0; i < 3; i++) expect((await client.request(spec(server.url))).status).toBe(200)
    expect(server.connections).toBe(3)
    expect(samples[1]?.bytesReceived).toBe(OK.length)
    await server.close()
  })

  it('counts large streamed bodies exactly, chunked and with a length, across many concurrent clients', async () => {
    const server = createServer((req, res) => {
      const chunked = req.url === '/chunked'
      if (!chunked) res.setHeader('content-length', 3_000_000)
      let left = 3_000_000
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, 1 + Math.floor(Math.random() * 200_000))
          left -= n
          if (!res.write(Buffer.alloc(n, 120))) { res.once('drain', pump); return }
        }
        res.end()
      }
      pump()
    })
    const sockets: net.Socket[] = []
    server.on('connection', (socket) => sockets.push(socket))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const received: number[] = []
    const clients = Array.from({ length: 4 }, () =>
      createHttpClient({ insecureSkipTLSVerify: false, userAgent: 'lf', onSample: (s) => received.push(s.bytesReceived) }))
    client = clients[0] as HttpClient
    await Promise.all(clients.map(async (c) => {
      for (const path of ['/chunked', '/length', '/chunked']) expect((await c.request(spec(base + path))).status).toBe(200)
      c.close()
    }))
    await Promise.all(sockets.map(async (socket) => { if (!socket.closed) await once(socket, 'close') }))
    server.close()
    expect(sockets).toHaveLength(4)
    expect(received).toHaveLength(12)
    expect(received.reduce((a, b) => a + b, 0)).toBe(sockets.reduce((a, socket) => a + socket.bytesWritten, 0))
    expect(Math.min(...received)).toBeGreaterThan(3_000_000)
  })

  it('reads large headers split over many packets', async () => {
    const big = `x-big: ${'a'.repeat(40_000)}\r\n`
    const response = `HTTP/1.1 200 OK\r\n${big}content-length: 2\r\n\r\nok`
    const server = await rawServer((socket) => {
      for (let i = 0; i < response.length; i += 1000) socket.write(response.slice(i, i + 1000))
    })
    newClient()
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect(samples[0]?.bytesReceived).toBe(response.length)
    await server.close()
  })
})

describe('concurrency and timing', () => {
  it('opens a second connection for a concurrent request and keeps only one', async () => {
    const server = await rawServer((socket) => setTimeout(() => socket.write(OK), 30))
    newClient()
    const both = await Promise.all([client.request(spec(server.url)), client.request(spec(server.url))])
    expect(both.map((r) => r.status)).toEqual([200, 200])
    expect(server.connections).toBe(2)
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect(server.connections).toBe(2)
    await server.close()
  })

  it('applies a short timeout right after a request with a long one on the same connection', async () => {
    const server = await rawServer((socket, _head, i) => { if (i === 0) socket.write(OK) })
    newClient()
    expect((await client.request(spec(server.url, { timeoutMs: 60_000 }))).status).toBe(200)
    const started = performance.now()
    expect((await client.request(spec(server.url, { timeoutMs: 200 }))).errorKind).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(2_000)
    await server.close()
  })

  it('reports the sample before the request resolves, with ordered non-negative phases', async () => {
    const server = await rawServer((socket) => socket.write(OK))
    newClient()
    const pending = client.request(spec(server.url))
    expect(samples).toHaveLength(0)
    const res = await pending
    expect(samples[0]).toBe(res.sample)
    for (const key of ['blockedUs', 'connectingUs', 'sendingUs', 'waitingUs', 'receivingUs'] as const) {
      expect(res.sample[key]).toBeGreaterThanOrEqual(0)
    }
    await server.close()
  })
})

describe('reconnects', () => {
  it('resends an idempotent request once when a reused connection was closed without a response', async () => {
    const server = await rawServer((socket, _head, i) => {
      if (i === 1) socket.destroy()
      else socket.write(OK)
    })
    newClient()
    expect((await client.request(spec(server.url))).status).toBe(200)
    const res = await client.request(spec(server.url))
    expect(res).toMatchObject({ status: 200, errorKind: null })
    expect(server.connections).toBe(2)
    expect(samples).toHaveLength(2)
    expect(samples[1]?.connectingUs).toBeGreaterThan(0)
    await server.close()
  })

  it('does not resend a POST, and reports a reset on a fresh connection', async () => {
    const server = await rawServer((socket, _head, i) => {
      if (i >= 1) socket.destroy()
      else socket.write(OK)
    })
    newClient()
    await client.request(spec(server.url, { method: 'POST', body: Buffer.from('x') }))
    const res = await client.request(spec(server.url, { method: 'POST', body: Buffer.from('x') }))
    expect(res).toMatchObject({ status: 0, errorKind: 'reset' })
    expect(server.requests).toHaveLength(2)
    const fresh = await client.request(spec(server.url))
    expect(fresh).toMatchObject({ status: 0, errorKind: 'reset' })
    expect(server.requests).toHaveLength(3)
    await server.close()
  })

  it('reconnects after the server closed an idle keep-alive connection', async () => {
    const server = await rawServer((socket) => {
      socket.write(OK)
      setTimeout(() => socket.end(), 50)
    })
    newClient()
    expect((await client.request(spec(server.url))).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await client.request(spec(server.url))).status).toBe(200)
    expect(server.connections).toBe(2)
    expect(samples[1]?.connectingUs).toBeGreaterThan(0)
    await server.close()
  })
})

describe('errors', () => {
  it('reports a timeout after the request timeout, with status 0', async () => {
    const server = await rawServer(() => {})
    newClient()
    const started = performance.now()
    const res = await client.request(spec(server.url, { timeoutMs: 300 }))
    const elapsed = performance.now() - started
    expect(res).toMatchObject({ status: 0, errorKind: 'timeout' })
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(3_000)
    expect(samples).toHaveLength(1)
    await server.close()
  })

  it('classifies refused, reset, premature close, DNS and protocol errors', async () => {
    const closed = net.createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const port = (closed.address() as AddressInfo).port
    closed.close()
    await once(closed, 'close')
    newClient()
    expect((await client.request(spec(`http://127.0.0.1:${port}/`))).errorKind).toBe('refused')
    const reset = await rawServer((socket) => socket.resetAndDestroy())
    expect((await client.request(spec(reset.url))).errorKind).toBe('reset')
    const half = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'))
    expect(await client.request(spec(half.url))).toMatchObject({ status: 0, errorKind: 'reset' })
    expect(samples.at(-1)?.bytesReceived).toBe(42)
    const junk = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'))
    expect((await client.request(spec(junk.url))).errorKind).toBe('other')
    expect((await client.request(spec('http://name.invalid/'))).errorKind).toBe('dns')
    expect((await client.request(spec(reset.url, { headers: { 'x-bad': 'a\r\nb' } }))).errorKind).toBe('other')
    await Promise.all([reset.close(), half.close(), junk.close()])
  })

  it('resolves localhost', async () => {
    const server = createServer((_req, res) => res.end('ok'))
    server.listen(0, 'localhost')
    await once(server, 'listening')
    newClient()
    const res = await client.request(spec(`http://localhost:${(server.address() as AddressInfo).port}/`))
    expect(res.status).toBe(200)
    server.close()
  })
})

describe('redirects', () => {
  let server: Server
  let base: string
  const seen: string[] = []
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`)
        const m = /^\/(\d{3})\/(\d+)$/.exec(req.url ?? '')
        if (m !== null && Number(m[2]) > 0) {
          res.writeHead(Number(m[1]), { location: `/${m[1]}/${Number(m[2]) - 1}` })
          res.end('moved')
        } else {
          res.end('done')
        }
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => { server.close() })

  it('follows redirects, emitting one sample per hop', async () => {
    newClient()
    const res = await client.request(spec(`${base}/302/3`))
    expect(res).toMatchObject({ status: 200, url: `${base}/302/0` })
    expect(samples.map((s) => [s.status, s.url])).toEqual([
      [302, `${base}/302/3`], [302, `${base}/302/2`], [302, `${base}/302/1`], [200, `${base}/302/0`],
    ])
  })

  it('turns POST into GET on 303 and 302, and keeps it on 307', async () => {
    newClient()
    seen.length = 0
    for (const code of [303, 302, 307]) {
      await client.request(spec(`${base}/${code}/1`, { method: 'POST', body: Buffer.from('b') }))
    }
    expect(seen).toEqual([
      'POST /303/1 b', 'GET /303/0 ', 'POST /302/1 b', 'GET /302/0 ', 'POST /307/1 b', 'POST /307/0 b',
    ])
  })

  it('stops after maxRedirects and returns the last 3xx', async () => {
    newClient()
    const res = await client.request(spec(`${base}/301/5`, { maxRedirects: 2 }))
    expect(res).toMatchObject({ status: 301, errorKind: null, errorMessage: 'stopped after 2 redirects' })
    expect(samples).toHaveLength(3)
  })
})
