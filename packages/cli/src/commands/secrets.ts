import type { Command } from 'commander'
import { EXIT_CODES, isLfError } from '@loadfleet/core/base'

/** Registers `loadfleet secrets new-key` and `loadfleet secrets rotate`. */
export function registerSecretsCommands (program: Command): void {
  const secrets = program.command('secrets')
    .description('Keys that seal secrets at rest: make a new one, re-encrypt everything with the current one')
  secrets.command('new-key')
    .description('Print a new random key for LOADFLEET_SECRET_KEY (base64, 32 bytes)')
    .action(async () => {
      const { newSecretKey } = await import('@loadfleet/server')
      process.stdout.write(newSecretKey() + '\n')
    })
  secrets.command('rotate')
    .description('Re-encrypt every stored secret with LOADFLEET_SECRET_KEY, opening old values with ' +
      'LOADFLEET_SECRET_KEYS_PREVIOUS (same DATA_DIR / DATABASE_URL as the control plane)')
    .addHelpText('after', [
      '',
      'Rotating a key:',
      '  1. give every control plane LOADFLEET_SECRET_KEY=<new> and LOADFLEET_SECRET_KEYS_PREVIOUS=<old>, restart them',
      '  2. loadfleet secrets rotate   (with the same settings; exit 0 once nothing is sealed with another key)',
      '  3. remove the old key from LOADFLEET_SECRET_KEYS_PREVIOUS',
    ].join('\n'))
    .action(async () => {
      const { rotateSecrets } = await import('@loadfleet/server')
      try {
        const { keyId, targets, channels } = await rotateSecrets({ logLevel: 'silent' })
        const unreadable = targets.unreadable + channels.unreadable
        process.stdout.write(`resealed with key ${keyId}: ${targets.resealed} site(s), ${channels.resealed} alert channel(s)\n`)
        if (unreadable > 0) {
          process.stderr.write(`loadfleet secrets rotate: ${targets.unreadable} site(s) and ${channels.unreadable} ` +
            'alert channel(s) hold values sealed with a key not given; add it to LOADFLEET_SECRET_KEYS_PREVIOUS and run again\n')
          process.exitCode = 1
        }
      } catch (err) {
        const message = isLfError(err) ? err.message : `cannot rotate: ${err instanceof Error ? err.message : String(err)}`
        process.stderr.write(`loadfleet secrets rotate: ${message.split('\n')[0] ?? ''}\n`)
        process.exitCode = isLfError(err) ? EXIT_CODES.invalidInput : 1
      }
    })
}
