import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient, type HttpSample } from '../src/http/index.js'

// A real HTTPS server with a certificate generated for this run (openssl CLI), valid for localhost and 127.0.0.1.

let server: Server
let port: number
let servernames: Array<string | false> = []
let connections = 0

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-tls-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' })
  const key = readFileSync(join(dir, 'key.pem'))
  const cert = readFileSync(join(dir, 'cert.pem'))
  rmSync(dir, { recursive: true })
  server = createServer({ key, cert }, (req, res) => {
    servernames.push((req.socket as unknown as { servername: string | false }).servername)
    res.end('secure')
  })
  server.on('secureConnection', () => connections++)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  port = (server.address() as AddressInfo).port
})
afterAll(() => { server.close() })

function request (insecureSkipTLSVerify: boolean, host: string): Promise<{ samples: HttpSample[], kinds: unknown[] }> {
  const samples: HttpSample[] = []
  const client = createHttpClient({ insecureSkipTLSVerify, userAgent: 'lf', onSample: (s) => samples.push(s) })
  const spec = { method: 'GET', url: new URL(`https://${host}:${port}/`), headers: {}, timeoutMs: 5_000, maxRedirects: 0 }
  return (async () => {
    const kinds = [(await client.request(spec)).errorKind, (await client.request(spec)).errorKind]
    client.close()
    return { samples, kinds }
  })()
}

describe('https', () => {
  it('rejects a self-signed certificate as a TLS error unless insecureSkipTLSVerify', async () => {
    const strict = await request(false, '127.0.0.1')
    expect(strict.kinds).toEqual(['tls', 'tls'])
    expect(strict.samples[0]?.status).toBe(0)
  })

  it('skips verification when asked, times the handshake once, and reuses the connection', async () => {
    connections = 0
    servernames = []
    const { samples, kinds } = await request(true, 'localhost')
    expect(kinds).toEqual([null, null])
    expect(samples.map((s) => s.status)).toEqual([200, 200])
    expect(samples[0]?.tlsHandshakingUs).toBeGreaterThan(0)
    expect(samples[1]?.tlsHandshakingUs).toBe(0)
    expect(samples[1]?.connectingUs).toBe(0)
    expect(connections).toBe(1)
    expect(servernames[0]).toBe('localhost')
  })

  it('sends no SNI for an IP address', async () => {
    servernames = []
    await request(true, '127.0.0.1')
    expect(servernames[0]).toBe(false)
  })

  it('reports a plaintext server behind https as a TLS error', async () => {
    const plain = (await import('node:http')).createServer((_req, res) => res.end('x'))
    plain.listen(0, '127.0.0.1')
    await once(plain, 'listening')
    const client = createHttpClient({ insecureSkipTLSVerify: true, userAgent: 'lf', onSample: () => {} })
    const url = new URL(`https://127.0.0.1:${(plain.address() as AddressInfo).port}/`)
    const res = await client.request({ method: 'GET', url, headers: {}, timeoutMs: 5_000, maxRedirects: 0 })
    expect(res.errorKind).toBe('tls')
    client.close()
    plain.close()
  })
})
