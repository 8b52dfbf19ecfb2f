import { Option } from 'commander'
import type { Command } from 'commander'
import { DEVICE_PRESETS } from '@loadfleet/core/base'
import type { CheckCommandOptions } from '../check/check-command.js'

/** Registers `loadfleet check`: one browser check of a URL in the local Chromium, for trying it before adding it. */
export function registerCheckCommand (program: Command): void {
  program.command('check')
    .description('Run one browser check in Chromium and print page load, Web Vitals, resources, console errors and TLS')
    .argument('<url>', 'the page to check (http:// or https://)')
    .option('--steps <file>', 'YAML or JSON steps file: navigate, click, fill, waitFor, expectText, expectStatus')
    .option('--screenshot <file>', 'write a PNG screenshot of the page there (always; without it, failures go to a temp file)')
    .addOption(new Option('--device <preset>', 'device preset (default: the steps file\'s, else desktop)').choices(DEVICE_PRESETS))
    .option('--timeout <duration>', 'time for the whole check, e.g. 30s (default: the steps file\'s, else 30s)')
    .option('--insecure-skip-tls-verify', 'accept any TLS certificate (it is still reported)')
    .option('--json', 'print the result as JSON on stdout', false)
    .addHelpText('after', [
      '',
      'Chromium: CHROMIUM_PATH (default /usr/bin/chromium). Exit codes: 0 passed, 99 failed (the reason is printed',
      'on stderr), 103 the check could not be carried out (no browser), 104 bad input.',
    ].join('\n'))
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (text, write) => write(`${text.trimEnd().replace(/\n/g, ' ')} (see loadfleet check --help)\n`),
    })
    .action(async (url: string, opts: CheckCommandOptions) => {
      // Loaded only for `check`: playwright-core weighs on every other command's start.
      const { checkCommand } = await import('../check/check-command.js')
      process.exitCode = await checkCommand(url, opts)
    })
}
