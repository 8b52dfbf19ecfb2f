import type { Command } from 'commander'

/** Registers `loadfleet run`. */
export function registerRunCommand (program: Command): void {
  program.command('run').description('(not yet available)').action(() => {
    process.stderr.write('loadfleet run: not yet available\n')
    process.exitCode = 1
  })
}
