import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInjectApp, type InjectApp } from './helpers/inject-app.js'

// A dashboard build as Vite + the precompress step leave it: text assets with .br and .gz beside them.
const SCRIPT = `console.log(${JSON.stringify('dashboard '.repeat(400))})\n`
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1234.js"></script></head></html>'

let dist: string
let t: InjectApp

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'loadfleet-web-dist-'))
  await mkdir(join(dist, 'assets'))
  await writeFile(join(dist, 'index.html'), INDEX)
  await writeFile(join(dist, 'assets/app-1234.js'), SCRIPT)
  await writeFile(join(dist, 'assets/app-1234.js.br'), brotliCompressSync(SCRIPT))
  await writeFile(join(dist, 'assets/app-1234.js.gz'), gzipSync(SCRIPT))
  // A map left behind by a debugging build: it must still never be served.
  await writeFile(join(dist, 'assets/app-1234.js.map'), '{"version":3,"sources":["secret.ts"]}')
  t = await createInjectApp({ webDist: dist })
})

afterAll(async () => {
  await t?.close()
  await rm(dist, { recursive: true, force: true })
})

describe('dashboard static files', () => {
  it('sends the brotli copy to a client that accepts it, gzip to one that accepts only gzip', async () => {
    const br = await t.app.inject({ method: 'GET', url: '/assets/app-1234.js', headers: { 'accept-encoding': 'gzip, br' } })
    expect(br.statusCode).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers['content-type']).toMatch(/javascript/)
    expect(br.headers.vary).toMatch(/accept-encoding/i)
    expect(br.headers['cache-control']).toMatch(/immutable/)
    expect(br.rawPayload.length).toBeLessThan(SCRIPT.length / 5)
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT)

    const gz = await t.app.inject({ method: 'GET', url: '/assets/app-1234.js', headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT)

    const plain = await t.app.inject({ method: 'GET', url: '/assets/app-1234.js', headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.payload).toBe(SCRIPT)
  })

  it('never serves a source map, and answers a missing asset with 404 instead of the app', async () => {
    for (const url of ['/assets/app-1234.js.map', '/assets/gone-9999.js', '/assets/app-1234.js.map?x=1']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } })
      expect(res.statusCode, url).toBe(404)
      expect(res.payload).not.toContain('secret.ts')
      expect(res.json<{ code: string }>().code).toBe('LF_ROUTE_NOT_FOUND')
    }
  })

  it('still answers client-side routes with index.html', async () => {
    for (const url of ['/', '/agents/k6/runs/0123456789abcdef', '/agents/k6/sites']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } })
      expect(res.statusCode, url).toBe(200)
      expect(res.payload).toBe(INDEX)
      expect(res.headers['cache-control']).toBe('no-cache')
    }
  })
})
