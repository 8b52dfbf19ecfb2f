import type { Command } from 'commander'
import { VERSION } from '../version.js'

// Usage errors exit like k6's invalid input; a rejected token exits 1.
const EXIT_INVALID_INPUT = 104

/** Registers `loadfleet agent`: settings come from the environment (DASHBOARD_URL, DASHBOARD_SECRET, AGENT_NAME …). */
export function registerAgentCommand (program: Command): void {
  program.command('agent')
    .description('Run an agent: register with the control plane, run due targets, report every result')
    .addHelpText('after', [
      '',
      'Environment: DASHBOARD_URL (http://localhost:3000), DASHBOARD_SECRET, AGENT_NAME (host name),',
      'POLL_INTERVAL_MS (5000), HEARTBEAT_INTERVAL_MS (30000), K6_BINARY, TMP_DIR (/tmp), K6_VUS (1),',
      'K6_DURATION (30s), MAX_CONCURRENT_RUNS (1).',
    ].join('\n'))
    .action(runAgent)
}

async function runAgent (): Promise<void> {
  // Imported here, not at the top: an idle agent must stay small, and other commands never need it.
  const { agentOptionsFromEnv, startAgent } = await import('@loadfleet/agent')
  const { options, errors } = agentOptionsFromEnv(process.env)
  if (options === undefined) {
    for (const error of errors) process.stderr.write(`loadfleet agent: ${error}\n`)
    process.exit(EXIT_INVALID_INPUT)
  }
  const agent = startAgent({ ...options, version: VERSION })
  const onSignal = (signal: NodeJS.Signals): void => { void agent.stop(signal) }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  const exit = await agent.done
  if (exit.code !== 0) process.stderr.write(`loadfleet agent: ${exit.reason}\n`)
  process.exit(exit.code)
}
