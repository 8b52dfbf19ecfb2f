/// <reference types="node" />
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The dashboard bundles the api sources directly, so a build never depends on a stale api dist/.
const apiSource = fileURLToPath(new URL('../api/src/index.ts', import.meta.url))

// In development, `LOADFLEET_URL=http://127.0.0.1:3000 npx vite` proxies the API to a running control plane.
const apiTarget = process.env.LOADFLEET_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@loadfleet/api': apiSource } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': apiTarget, '/healthz': apiTarget } },
})
