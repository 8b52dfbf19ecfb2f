import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
/** The CLI package's version, reported by `--version` and by agents when they register. */
export const VERSION: string = (require('../package.json') as { version: string }).version
