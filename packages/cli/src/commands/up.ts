import { InvalidArgumentError, type Command } from 'commander'
import { onStopSignals } from '../stop-signals.js'
import { listenOptionsOf, remoteAgentLines, startFailureLine, withListenOptions, type ListenOptions } from './server.js'

interface UpOptions extends ListenOptions { agents?: number }

// A second Ctrl-C while stopping means "now": exit like a process killed by SIGINT.
const EXIT_INTERRUPTED = 130

/** Registers `loadfleet up`: the control plane (SQLite in ./data) plus a local fleet of agent processes. */
export function registerUpCommand (program: Command): void {
  withListenOptions(program.command('up')
    .description('Start the control plane and a local fleet of agents (Ctrl-C stops everything)')
    .option('--agents <n>', 'set the desired number of agents (0-1000); default 1 on first start', parseAgentCount))
    .action(runUp)
}

function parseAgentCount (value: string): number {
  const count = Number(value)
  if (!/^\d+$/.test(value) || count > 1000) throw new InvalidArgumentError('expected a whole number from 0 to 1000')
  return count
}

async function runUp (options: UpOptions): Promise<void> {
  const [{ startServer }, { ApiClient }] = await Promise.all([import('@loadfleet/server'), import('@loadfleet/api')])
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ fleetScaler: 'process', ...listenOptionsOf(options) })
  } catch (err) {
    const { line, exitCode } = startFailureLine('up', err, options)
    process.stderr.write(line + '\n')
    process.exit(exitCode)
  }
  const client = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  try {
    const count = options.agents ?? (await desiredCountWasSet(client) ? undefined : 1)
    if (count !== undefined) await client.putConfig({ k6DesiredAgentCount: count })
    const { k6DesiredAgentCount } = await client.getConfig()
    process.stdout.write([
      `Loadfleet is up with ${k6DesiredAgentCount} agent(s) (change it in the dashboard or with --agents).`,
      `  Dashboard:   ${server.url}/agents/k6`,
      `  API docs:    ${server.url}/api/docs`,
      `  Admin login: ${server.adminAuth}`,
      ...remoteAgentLines(server),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'))
  } catch (err) {
    process.stderr.write(`loadfleet up: ${err instanceof Error ? err.message : String(err)}\n`)
    await server.close()
    process.exit(1)
  }
  onStopSignals(() => {
    process.stdout.write('Stopping agents and control plane…\n')
    // close() stops the fleet (agents flush their results) before the control plane itself.
    server.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`loadfleet up: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    })
  }, () => process.exit(EXIT_INTERRUPTED))
}

/** True when the audit trail shows an admin ever set the desired count; `up` then leaves it alone. */
async function desiredCountWasSet (client: InstanceType<typeof import('@loadfleet/api').ApiClient>): Promise<boolean> {
  let cursor: string | undefined
  // Bounded: 50 pages of 200 entries is far more history than a local setup accumulates.
  for (let page = 0; page < 50; page++) {
    const { data, pagination } = await client.listAudit(cursor === undefined ? { limit: 200 } : { limit: 200, cursor })
    if (data.some((entry) => entry.entity === 'config')) return true
    if (pagination.nextCursor === null) return false
    cursor = pagination.nextCursor
  }
  return true
}
