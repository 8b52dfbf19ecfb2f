import { join } from 'node:path'
import type { Command } from 'commander'
import { EXIT_CODES, isLfError } from '@loadfleet/core/base'
import type { RunningServer } from '@loadfleet/server'
import { onStopSignals } from '../stop-signals.js'

/** A second Ctrl-C while stopping means "now": exit like a process killed by SIGINT. */
const EXIT_INTERRUPTED = 130

/** Prints where the control plane listens and, at first start only, the credentials it generated. */
export function printServerBanner (server: RunningServer): void {
  const lines = [`Loadfleet control plane listening on ${server.url} (${server.database})`,
    `  dashboard: ${server.url}/agents/k6    API docs: ${server.url}/api/docs`]
  if (server.generatedSecrets.length > 0) {
    lines.push(`Generated credentials (stored in ${join(server.dataDir, 'secrets.json')}, mode 0600; shown only now):`)
    if (server.generatedSecrets.includes('ADMIN_BASIC_AUTH')) lines.push(`  ADMIN_BASIC_AUTH=${server.adminAuth}`)
    if (server.generatedSecrets.includes('DASHBOARD_SECRET')) lines.push(`  DASHBOARD_SECRET=${server.agentToken}`)
  }
  process.stdout.write(lines.join('\n') + '\n')
}

/** One line for a failed start: our errors say what to fix; anything else (port in use, DB down) its message. */
export function startFailureLine (command: string, err: unknown): { line: string, exitCode: number } {
  if (isLfError(err)) return { line: `loadfleet ${command}: ${err.message}`, exitCode: EXIT_CODES.invalidInput }
  const message = err instanceof Error ? err.message : String(err)
  return { line: `loadfleet ${command}: cannot start the control plane: ${message.split('\n')[0] ?? ''}`, exitCode: 1 }
}

/** Registers `loadfleet server`. */
export function registerServerCommand (program: Command): void {
  program.command('server')
    .description('Start the control plane (settings from the environment and a .env file)')
    .action(async () => {
      // Loaded here, not at the top: every other command (an agent above all) would pay for the server's modules.
      const { startServer } = await import('@loadfleet/server')
      let server: RunningServer
      try {
        server = await startServer()
      } catch (err) {
        const { line, exitCode } = startFailureLine('server', err)
        process.stderr.write(line + '\n')
        process.exitCode = exitCode
        return
      }
      printServerBanner(server)
      onStopSignals(() => {
        // Drain in-flight requests and close the database, then leave with 0: a requested stop is not a failure.
        server.close().then(() => process.exit(0), (err: unknown) => {
          process.stderr.write(`loadfleet server: error while stopping: ${String(err)}\n`)
          process.exit(1)
        })
      }, () => process.exit(EXIT_INTERRUPTED))
    })
}
