import { Option } from 'commander'
import type { Command } from 'commander'
import type { RunOptions } from '../run/run-command.js'

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** Registers `loadfleet run`: a load test from a YAML/JSON file or flags, run as `k6 run` would. */
export function registerRunCommand (program: Command): void {
  program.command('run')
    .description('Run a load test (a k6 script, a YAML/JSON file or flags) and print a k6-like summary')
    .argument('[file]', 'k6 script (.js, .mjs, .ts) or test file (.yaml, .yml or .json)')
    .option('--url <url>', 'URL to load (the one-request test without a file)')
    .option('--vus <n>', 'virtual users')
    .option('--duration <duration>', 'test duration, e.g. 30s, 1m30s')
    .option('--iterations <n>', 'total iterations shared by the VUs')
    .option('--sleep <duration>', 'think time after each iteration')
    .option('--method <method>', 'HTTP method of --url')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", collect)
    .option('--body <text>', 'request body of --url')
    .option('--threshold <metric=expression>', "threshold, e.g. 'http_req_duration=p(95)<500' (repeatable)", collect)
    .option('--insecure-skip-tls-verify', 'accept any TLS certificate')
    .option('-e, --env <KEY=VALUE>', "a k6 script's __ENV variable (repeatable)", collect)
    .addOption(new Option('--engine <engine>', 'load engine').choices(['loadfleet', 'k6']).default('loadfleet'))
    .option('--execution-segment <from:to>', "run only this part of the test, e.g. '1/3:2/3' (k6's striping)")
    .option('--execution-segment-sequence <points>', "the parts the test is split into, e.g. '0,1/3,2/3,1'")
    .option('--on <url>', 'run the test on the agents of this control plane instead of here')
    .option('--agents <n>', 'with --on: how many agents share the test (1–100, default 1)')
    .option('--token <token>', 'with --on: an API token (role editor or admin); default LOADFLEET_TOKEN')
    .option('--summary-export <file>', 'write the summary as k6 --summary-export JSON')
    .option('--json', 'print the result as JSON on stdout instead of the summary', false)
    .option('-q, --quiet', 'no live progress', false)
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (text, write) => write(`${text.trimEnd().replace(/\n/g, ' ')} (see loadfleet run --help)\n`),
    })
    .action(async (file: string | undefined, opts: RunOptions) => {
      // Loaded only for `run`: the engine and the test-file parser weigh on every other command's start.
      const { runCommand } = await import('../run/run-command.js')
      process.exitCode = await runCommand(file, opts)
    })
}
