// The agent library started directly, without the CLI: shows what the `loadfleet` command itself adds to RSS.
import { agentOptionsFromEnv, startAgent } from '@loadfleet/agent'

const { options, errors } = agentOptionsFromEnv(process.env)
if (options === undefined) {
  console.error(errors.join('\n'))
  process.exit(104)
}
const agent = startAgent(options)
process.once('SIGTERM', () => { void agent.stop('SIGTERM') })
const exit = await agent.done
process.exit(exit.code)
