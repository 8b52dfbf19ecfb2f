import type { Command } from 'commander'

/** Registers `loadfleet agent`. */
export function registerAgentCommand (program: Command): void {
  program.command('agent').description('(not yet available)').action(() => {
    process.stderr.write('loadfleet agent: not yet available\n')
    process.exitCode = 1
  })
}
