import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('./packages/', import.meta.url))
// Tests exercise the TypeScript sources directly; the built dist/ is only for the shipped CLI.
// `@loadfleet/x` → packages/x/src/index.ts; a subpath entry `@loadfleet/x/y` → packages/x/src/y.ts.
const alias = [
  { find: /^@loadfleet\/([a-z]+)$/, replacement: `${root}$1/src/index.ts` },
  { find: /^@loadfleet\/([a-z]+)\/([a-z-]+)$/, replacement: `${root}$1/src/$2.ts` },
]

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['packages/web/**', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        // Integration suites start real servers, databases and load; timing-sensitive, so one file at a time.
        resolve: { alias },
        test: {
          name: 'int',
          include: ['packages/*/test/**/*.int.test.ts', 'e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
