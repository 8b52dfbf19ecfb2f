/// <reference types="node" />
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The dashboard bundles the api sources directly, so a build never depends on a stale api dist/. It imports
// only the zod-free client entry: the schemas stay on the server, out of the bundle.
const apiClientSource = fileURLToPath(new URL('../api/src/client.ts', import.meta.url))

// In development, `LOADFLEET_URL=http://127.0.0.1:3000 npx vite` proxies the API to a running control plane.
const apiTarget = process.env.LOADFLEET_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [react()],
  resolve: { alias: [{ find: /^@loadfleet\/api\/client$/, replacement: apiClientSource }] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': apiTarget, '/healthz': apiTarget } },
})
