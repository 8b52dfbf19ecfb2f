import { Command, CommanderError } from 'commander'
import { EXIT_CODES } from '@loadfleet/core/base'
import { registerRunCommand } from './commands/run.js'
import { registerServerCommand } from './commands/server.js'
import { registerAgentCommand } from './commands/agent.js'
import { registerUpCommand } from './commands/up.js'
import { registerAppsCommands } from './commands/apps.js'
import { registerCheckCommand } from './commands/check.js'
import { registerSecretsCommands } from './commands/secrets.js'
import { VERSION } from './version.js'

const program = new Command('loadfleet')
  .description('Continuous performance testing: load engine, control plane and agents')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

registerRunCommand(program)
registerServerCommand(program)
registerAgentCommand(program)
registerUpCommand(program)
registerAppsCommands(program)
registerCheckCommand(program)
registerSecretsCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and --version exit through here with code 0; usage errors were already printed in one line.
    process.exit(err.exitCode === 0 ? 0 : EXIT_CODES.invalidInput)
  }
  throw err
}
