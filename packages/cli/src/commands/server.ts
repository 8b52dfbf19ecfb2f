import type { Command } from 'commander'

/** Registers `loadfleet server`. */
export function registerServerCommand (program: Command): void {
  program.command('server').description('(not yet available)').action(() => {
    process.stderr.write('loadfleet server: not yet available\n')
    process.exitCode = 1
  })
}
