import { join } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { EXIT_CODES, isLfError } from '@loadfleet/core/base'
import type { RunningServer } from '@loadfleet/server'
import { onStopSignals } from '../stop-signals.js'

/** A second Ctrl-C while stopping means "now": exit like a process killed by SIGINT. */
const EXIT_INTERRUPTED = 130

/** Where the control plane listens; flags win over PORT and HOST. */
export interface ListenOptions {
  port?: number
  host?: string
}

/** `--help` text of the commands that start the control plane: its settings, all from the environment. */
export const SERVER_ENVIRONMENT_HELP = [
  '',
  'Environment (also read from a .env file in the working directory; flags win):',
  '  PORT, HOST               where to listen (3000, 127.0.0.1; 0.0.0.0 to accept remote agents)',
  '  DATA_DIR                 SQLite database and generated secrets (./data)',
  '  DATABASE_URL             postgres://… selects PostgreSQL instead of SQLite',
  '  ADMIN_BASIC_AUTH         user:password for /api/admin/* (generated at first start; at least 12 characters,',
  '                           no placeholder such as CHANGE-ME)',
  '  DASHBOARD_SECRET         the agents\' enrolment secret (generated at first start)',
  '  DASHBOARD_REQUIRE_AUTH   true: the dashboard\'s read API needs the admin login (false)',
  '  LOADFLEET_SECRET_KEY     key sealing secrets at rest (base64, 32 bytes; default DATA_DIR/secret.key);',
  '                           also LOADFLEET_SECRET_KEY_FILE, LOADFLEET_SECRET_KEYS_PREVIOUS for rotation',
  '  FLEET_SCALER             process, compose, kubernetes or none (none; `up` uses process)',
  '  LOG_LEVEL, LOG_FORMAT    info; pretty on a terminal, json otherwise',
  '',
].join('\n')

/** Adds --port and --host to a command that starts the control plane. */
export function withListenOptions (command: Command): Command {
  return command
    .option('--port <port>', 'port to listen on (overrides PORT; 0 picks a free one)', parsePort)
    .option('--host <host>', 'address to listen on (overrides HOST), e.g. 0.0.0.0 for remote agents')
    .addHelpText('after', SERVER_ENVIRONMENT_HELP)
}

function parsePort (value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535')
  return port
}

/** startServer's listen options from the flags; unset flags leave PORT and HOST in charge. */
export function listenOptionsOf (options: ListenOptions): ListenOptions {
  return {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
  }
}

/** How an agent on another machine connects: printed once, at the start that generated the agent token. */
export function remoteAgentLines (server: RunningServer): string[] {
  if (!server.generatedSecrets.includes('DASHBOARD_SECRET')) return []
  const local = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(server.url)
  return [
    'Connect an agent on another machine (the token is shown only now; it stays in secrets.json):',
    `  DASHBOARD_URL=${local ? server.url.replace(/\/\/[^:/]+|\/\/\[[^\]]+\]/, '//<this-host>') : server.url} ` +
      `DASHBOARD_SECRET=${server.agentToken} AGENT_NAME=<name> npx loadfleet agent`,
    '  (run it in a Loadfleet checkout after `npm ci`, or give the same variables to the agent image of deploy/)',
    ...(local ? ['  (this control plane listens on loopback only: start it with --host 0.0.0.0 to accept remote agents)'] : []),
  ]
}

/** Prints where the control plane listens and, at first start only, the credentials it generated. */
export function printServerBanner (server: RunningServer): void {
  const lines = [`Loadfleet control plane listening on ${server.url} (${server.database})`,
    `  dashboard: ${server.url}/agents/k6    API docs: ${server.url}/api/docs`]
  if (server.generatedSecrets.length > 0) {
    lines.push(`Generated credentials (stored in ${join(server.dataDir, 'secrets.json')}, mode 0600; shown only now):`)
    if (server.generatedSecrets.includes('ADMIN_BASIC_AUTH')) lines.push(`  ADMIN_BASIC_AUTH=${server.adminAuth}`)
    if (server.generatedSecrets.includes('DASHBOARD_SECRET')) lines.push(`  DASHBOARD_SECRET=${server.agentToken}`)
  }
  lines.push(...remoteAgentLines(server))
  process.stdout.write(lines.join('\n') + '\n')
}

/** One line for a failed start: our errors say what to fix; a taken port names PORT and --port. */
export function startFailureLine (command: string, err: unknown, listen: ListenOptions):
{ line: string, exitCode: number } {
  if (isLfError(err)) return { line: `loadfleet ${command}: ${err.message}`, exitCode: EXIT_CODES.invalidInput }
  const e = err as NodeJS.ErrnoException & { address?: string, port?: number }
  if (e.code === 'EADDRINUSE') {
    const where = `${e.address ?? 'the address'}:${e.port ?? listen.port ?? '?'}`
    return {
      line: `loadfleet ${command}: ${where} is already in use by another process; ` +
        'choose another port with --port or PORT (e.g. --port 3001), or stop the other process',
      exitCode: 1,
    }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { line: `loadfleet ${command}: cannot start the control plane: ${message.split('\n')[0] ?? ''}`, exitCode: 1 }
}

/** Registers `loadfleet server`. */
export function registerServerCommand (program: Command): void {
  withListenOptions(program.command('server')
    .description('Start the control plane (settings from the environment and a .env file)'))
    .action(async (options: ListenOptions) => {
      // Loaded here, not at the top: every other command (an agent above all) would pay for the server's modules.
      const { startServer } = await import('@loadfleet/server')
      let server: RunningServer
      try {
        server = await startServer(listenOptionsOf(options))
      } catch (err) {
        const { line, exitCode } = startFailureLine('server', err, options)
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
