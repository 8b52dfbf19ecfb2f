import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, type RunningServer } from '@loadfleet/server'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
const CLI = join(REPO, 'packages/cli/bin/loadfleet.js')
const WEB_INDEX = join(REPO, 'packages/web/dist/index.html')
// Agents poll fast in tests so a new site is picked up within a second, not the default 5 s.
const AGENT_POLL_MS = '250'

export interface Stack {
  server: RunningServer
  /** Base URL of the local HTTP target on 127.0.0.1. */
  targetUrl: string
  agentName: string
  /** What the agent process printed, for failure messages. */
  agentOutput: () => string
  close: () => Promise<void>
}

/** The real control plane, a real agent process of the built CLI and a local HTTP target. */
export async function startStack (): Promise<Stack> {
  for (const file of [CLI, join(REPO, 'packages/cli/dist/main.js'), WEB_INDEX]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -b && npm run build -w @loadfleet/web\``)
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'loadfleet-web-data-'))
  const agentTmp = await mkdtemp(join(tmpdir(), 'loadfleet-web-agent-'))
  const target = await startTarget()
  const server = await startServer({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', fleetScaler: 'none' })
  const agentName = 'web-test-agent'
  const agent = spawn(process.execPath, [CLI, 'agent'], {
    cwd: agentTmp,
    env: {
      PATH: process.env.PATH,
      DASHBOARD_URL: server.url,
      DASHBOARD_SECRET: server.agentToken,
      AGENT_NAME: agentName,
      POLL_INTERVAL_MS: AGENT_POLL_MS,
      HEARTBEAT_INTERVAL_MS: '1000',
      TMP_DIR: agentTmp,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-20_000) }
  agent.stdout?.on('data', collect)
  agent.stderr?.on('data', collect)
  return {
    server,
    targetUrl: target.url,
    agentName,
    agentOutput: () => output,
    close: async () => {
      await stopProcess(agent)
      await server.close()
      target.server.closeAllConnections()
      target.server.close()
      await rm(dataDir, { recursive: true, force: true })
      await rm(agentTmp, { recursive: true, force: true })
    },
  }
}

async function startTarget (): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    // A small, steady delay so latency percentiles are clearly above zero.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('ok')
    }, 2)
  })
  server.keepAliveTimeout = 1000
  await once(server.listen(0, '127.0.0.1'), 'listening')
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** SIGTERM and wait (bounded); SIGKILL if the agent does not stop in time. */
async function stopProcess (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
  await exited
  clearTimeout(timer)
}
