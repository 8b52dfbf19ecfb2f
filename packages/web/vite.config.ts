/// <reference types="node" />
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import react from '@vitejs/plugin-react'

// The dashboard bundles the api sources directly, so a build never depends on a stale api dist/. It imports
// only the zod-free client entry: the schemas stay on the server, out of the bundle.
const apiClientSource = fileURLToPath(new URL('../api/src/client.ts', import.meta.url))

// In development, `LOADFLEET_URL=http://127.0.0.1:3000 npx vite` proxies the API to a running control plane.
const apiTarget = process.env.LOADFLEET_URL ?? 'http://127.0.0.1:3000'

// Below this size a compressed copy saves less than the extra header and file costs.
const PRECOMPRESS_MIN_BYTES = 1024
const PRECOMPRESSIBLE = /\.(?:html|js|css|svg|json|txt)$/

/**
 * Writes `x.br` and `x.gz` beside every text asset, once at build time, so the control plane serves them
 * (@fastify/static `preCompressed`) without compressing on every request.
 */
function precompress (): Plugin {
  let outDir = ''
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)])
  return {
    name: 'loadfleet-precompress',
    apply: 'build',
    configResolved (config) { outDir = resolve(config.root, config.build.outDir) },
    closeBundle () {
      for (const file of walk(outDir)) {
        if (!PRECOMPRESSIBLE.test(file) || statSync(file).size < PRECOMPRESS_MIN_BYTES) continue
        const content = readFileSync(file)
        writeFileSync(`${file}.br`, brotliCompressSync(content, {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
        }))
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }))
      }
    },
  }
}

export default defineConfig({
  plugins: [react(), precompress()],
  resolve: { alias: [{ find: /^@loadfleet\/api\/client$/, replacement: apiClientSource }] },
  // No source maps: a production dashboard does not publish its sources (`npx vite` serves them in development).
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': apiTarget, '/healthz': apiTarget } },
})
