import { agentOptionsFromEnv } from './agent-options.js'
import { startAgent } from './agent.js'

// Bad settings exit like k6's invalid input (104); a rejected token exits 1.
const EXIT_INVALID_INPUT = 104

/**
 * The whole life of an agent process: settings from `env`, start, stop on SIGTERM/SIGINT, and the exit code to
 * end with. Shared by `loadfleet agent` and the lean `loadfleet-agent` entry point.
 */
export async function runAgentMain (options: { env: Record<string, string | undefined>, version: string }):
Promise<number> {
  const { options: agentOptions, errors } = agentOptionsFromEnv(options.env)
  if (agentOptions === undefined) {
    for (const error of errors) process.stderr.write(`loadfleet agent: ${error}\n`)
    return EXIT_INVALID_INPUT
  }
  const agent = startAgent({ ...agentOptions, version: options.version })
  const onSignal = (signal: NodeJS.Signals): void => { void agent.stop(signal) }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  const exit = await agent.done
  if (exit.code !== 0) process.stderr.write(`loadfleet agent: ${exit.reason}\n`)
  return exit.code
}
