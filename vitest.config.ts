import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const packages = ['core', 'api', 'engine', 'server', 'agent']
// Tests exercise the TypeScript sources directly; the built dist/ is only for the shipped CLI.
const alias = packages.map((name) => ({
  find: `@loadfleet/${name}`,
  replacement: fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
}))

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
