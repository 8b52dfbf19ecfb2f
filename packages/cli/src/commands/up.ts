import type { Command } from 'commander'

/** Registers `loadfleet up`. */
export function registerUpCommand (program: Command): void {
  program.command('up').description('(not yet available)').action(() => {
    process.stderr.write('loadfleet up: not yet available\n')
    process.exitCode = 1
  })
}
