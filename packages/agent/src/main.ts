import { createRequire } from 'node:module'
import { runAgentMain } from './run-agent-main.js'

// The lean entry point of container images and local fleets: only the agent's own modules are loaded at start
// (the full CLI also loads the control plane), which keeps an idle agent's memory small.
// Run it as `node packages/agent/dist/main.js`; settings as for `loadfleet agent`.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version

process.exit(await runAgentMain({ env: process.env, version: VERSION }))
