import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import { routeNotFound } from './error-handler.js'

// Vite builds need no inline scripts; styles may be set by chart code, so only those get 'unsafe-inline'.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; " +
  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
const NOT_BUILT_HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loadfleet</title></head>' +
  '<body><h1>Loadfleet control plane</h1><p>The dashboard is not built. Run <code>npm run build</code>, ' +
  'then reload. The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>'

/** Finds packages/web/dist: the installed @loadfleet/web package, else the repository layout. */
export function findWebDist (override?: string): string | undefined {
  const candidates: string[] = []
  if (override !== undefined) candidates.push(override)
  try {
    const pkg = createRequire(import.meta.url).resolve('@loadfleet/web/package.json')
    candidates.push(join(dirname(pkg), 'dist'))
  } catch { /* not installed as a package; try the repository layout */ }
  candidates.push(fileURLToPath(new URL('../../../web/dist/', import.meta.url)))
  return candidates.find((dir) => existsSync(join(dir, 'index.html')))
}

function isApi (url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')
}

// A missing file gets a 404, not the SPA's index.html: a stale page asking for an old chunk must fail loudly.
const STATIC_FILE = /^\/assets\/|\.(?:js|mjs|css|map|ico|png|svg|webp|woff2?|txt|json)$/

function isStaticFile (url: string): boolean {
  return STATIC_FILE.test(url.split('?')[0] ?? url)
}

/** Source maps would publish the dashboard's sources: never served, even when a build left some behind. */
function isServable (pathname: string): boolean {
  return !pathname.endsWith('.map')
}

/** Security headers on every answer; the dashboard's CSP unless a route (the API docs UI) set its own. */
export function installSecurityHeaders (app: FastifyInstance): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    if (!reply.hasHeader('content-security-policy') && !req.url.startsWith('/api/docs')) {
      reply.header('content-security-policy', CSP)
    }
    done(null, payload)
  })
}

/** Serves the dashboard at `/` with SPA fallback; unknown /api paths and non-GET methods get 404 JSON. */
export async function registerWeb (app: FastifyInstance, webDist: string | undefined): Promise<void> {
  if (webDist !== undefined) {
    await app.register(fastifyStatic, {
      root: webDist,
      prefix: '/',
      index: ['index.html'],
      // The build writes .br and .gz beside each text asset; the best one the client accepts is sent.
      preCompressed: true,
      allowedPath: isServable,
      setHeaders (reply, path) {
        // Vite fingerprints assets, so they may be cached forever; index.html must always be revalidated.
        reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
      },
    })
  }
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi(req.url) || isStaticFile(req.url)) {
      throw routeNotFound(req.method, req.url)
    }
    if (webDist === undefined) return reply.type('text/html; charset=utf-8').send(NOT_BUILT_HTML)
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}
