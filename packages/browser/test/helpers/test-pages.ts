import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync, crc32 } from 'node:zlib'

/** Server-side delays of the slow page, so its TTFB and LCP are known. */
export const SLOW_HTML_DELAY_MS = 600
export const SLOW_IMAGE_DELAY_MS = 1500
/**
 * The shift page at a 1280×800 viewport: a 1280×400 block moves down 200 px once. Impact fraction 1280×600 / 1280×800
 * = 0.75, distance fraction 200 / 1280 = 0.15625, so CLS = 0.1171875.
 */
export const EXPECTED_CLS = 0.75 * (200 / 1280)

/**
 * A noisy PNG, large on the screen so it is the page's largest contentful paint. Noise, because Chromium leaves
 * low-entropy images (a solid colour: under 0.05 bits per pixel) out of LCP.
 */
export function noisyPng (width: number, height: number): Buffer {
  const raw = Buffer.alloc((1 + width * 3) * height)
  let seed = 42
  for (let i = 0; i < raw.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0 // a fixed LCG: the same image on every run
    raw[i] = i % (1 + width * 3) === 0 ? 0 : seed >>> 24
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

const HERO = noisyPng(800, 450)

const PAGES: Record<string, (origin: { third: string }) => string> = {
  '/fast': () => `<!doctype html><title>Fast</title><body><h1>Fast page</h1><p id="msg">hello</p>
    <button id="go" onclick="document.getElementById('msg').textContent = 'clicked'">Go</button>
    <input id="name"><button id="hidden" style="display:none">Hidden</button></body>`,
  '/slow': () => `<!doctype html><title>Slow</title><body style="margin:0"><p>Slow page</p>
    <img id="hero" src="/hero.png" width="800" height="450" alt="hero"></body>`,
  '/shift': () => `<!doctype html><title>Shift</title><body style="margin:0">
    <div id="slot"></div><div id="content" style="width:1280px;height:400px;background:#c33">content</div>
    <script>addEventListener('load', () => setTimeout(() => {
      document.getElementById('slot').style.height = '200px'
    }, 300))</script></body>`,
  '/broken': ({ third }) => `<!doctype html><title>Broken</title><body><h1>Broken page</h1>
    <img src="/missing.png" alt="missing"><script src="${third}/third.js"></script>
    <script>console.error('boom: widget failed'); throw new Error('uncaught kaboom')</script></body>`,
}

/** Local pages with known figures, served over http on 127.0.0.1; `third` is the same server as another site. */
export interface TestPages {
  url: string
  /** The same server under `localhost`: a different site than 127.0.0.1, so its resources are third-party. */
  thirdUrl: string
  close: () => Promise<void>
}

/** Starts the page server. */
export async function startTestPages (): Promise<TestPages> {
  let third = ''
  const server = createServer((req, res) => { void serve(req, res, third) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  third = `http://localhost:${port}`
  return { url: `http://127.0.0.1:${port}`, thirdUrl: third, close: () => closeServer(server) }
}

async function serve (req: IncomingMessage, res: ServerResponse, third: string): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  const page = PAGES[path]
  if (page !== undefined) {
    if (path === '/slow') await sleep(SLOW_HTML_DELAY_MS)
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(page({ third }))
  } else if (path === '/hero.png') {
    await sleep(SLOW_IMAGE_DELAY_MS)
    res.setHeader('content-type', 'image/png')
    res.end(HERO)
  } else if (path === '/favicon.ico') {
    res.statusCode = 204 // so the browser's own favicon request is no failed resource
    res.end()
  } else if (path === '/third.js') {
    res.setHeader('content-type', 'text/javascript')
    res.end(`window.thirdParty = '${'x'.repeat(2000)}'`)
  } else if (path === '/unavailable') {
    res.statusCode = 503
    res.setHeader('content-type', 'text/html')
    res.end('<h1>Down for maintenance</h1>')
  } else {
    res.statusCode = 404
    res.end('not found')
  }
}

/** An https server whose self-signed certificate (openssl CLI) expires in `days`. */
export async function startHttpsPage (days: number): Promise<{ url: string, close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lf-browser-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(days),
      '-subj', '/CN=localhost/O=Loadfleet Test', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' })
    const server: HttpsServer = createHttpsServer({
      key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')),
    }, (_req, res) => {
      res.setHeader('content-type', 'text/html')
      res.end('<!doctype html><title>Secure</title><h1>Secure page</h1>')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => closeServer(server) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function closeServer (server: Server | HttpsServer): Promise<void> {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
