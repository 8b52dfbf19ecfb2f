import type { Command } from 'commander'
import type { ApplyOptions, ControlPlaneOptions } from '../apps/apply-command.js'
import type { GateOptions } from '../apps/gate-command.js'

/** Registers the apps-as-code commands: `validate`, `explain`, `diff`, `apply`, `gate`. */
export function registerAppsCommands (program: Command): void {
  program.command('validate')
    .description('Check a tree of App manifests: every problem in every file at once (exit 104 when any)')
    .argument('<dir>', 'the root manifest, or a directory holding app.yaml')
    .action(async (dir: string) => {
      // Imported here, not at the top: other commands never need the manifest parser.
      const { validateCommand } = await import('../apps/validate-command.js')
      process.exitCode = await validateCommand(dir)
    })
  program.command('explain')
    .description("Show an app's effective settings after inheritance, and where each came from")
    .argument('<app>', 'app name')
    .option('-d, --dir <dir>', 'the root manifest, or a directory holding app.yaml', '.')
    .action(async (app: string, opts: { dir: string }) => {
      const { explainCommand } = await import('../apps/explain-command.js')
      process.exitCode = await explainCommand(app, opts.dir)
    })
  program.command('diff')
    .description('Show what apply would create, change or delete on the control plane (exit 0: nothing, 2: changes)')
    .argument('<dir>', 'the root manifest, or a directory holding app.yaml')
    .option('--url <url>', 'control plane URL (default LOADFLEET_URL)')
    .option('--token <token>', 'API token, role editor or admin (default LOADFLEET_TOKEN)')
    .option('--prune', 'include managed sites no manifest declares any more (deleted by apply --prune)')
    .addHelpText('after', '\nWithout a token: LOADFLEET_ADMIN=user:password (the admin\'s basic auth)')
    .action(async (dir: string, opts: ControlPlaneOptions) => {
      const { diffCommand } = await import('../apps/apply-command.js')
      process.exitCode = await diffCommand(dir, opts)
    })
  program.command('apply')
    .description('Make the control plane\'s managed sites what the manifests say, all at once or not at all')
    .argument('<dir>', 'the root manifest, or a directory holding app.yaml')
    .option('--url <url>', 'control plane URL (default LOADFLEET_URL)')
    .option('--token <token>', 'API token, role editor or admin (default LOADFLEET_TOKEN)')
    .option('--prune', 'delete managed sites no manifest declares any more')
    .option('--revision <sha>', 'revision recorded in the audit trail (default: git rev-parse HEAD in DIR)')
    .option('-y, --yes', 'apply without asking (needed when not on a terminal)')
    .addHelpText('after', '\nWithout a token: LOADFLEET_ADMIN=user:password (the admin\'s basic auth)')
    .action(async (dir: string, opts: ApplyOptions) => {
      const { applyCommand } = await import('../apps/apply-command.js')
      process.exitCode = await applyCommand(dir, opts)
    })
  program.command('gate')
    .description('Post-deploy gate: run the gate tests of an app and its descendants, children in dependency order ' +
      '(exit 0: pass or warn, 99: fail, 103: could not run)')
    .argument('<app>', 'app name')
    .option('-d, --dir <dir>', 'the root manifest, or a directory holding app.yaml', '.')
    .option('--revision <sha>', 'the revision being gated (default: git rev-parse HEAD where the manifests are)')
    .option('--junit <file>', 'write JUnit XML: a testsuite per app, a testcase per test')
    .option('--evidence <dir>', 'write the JSON evidence file here (and, without a control plane, find the baseline here)')
    .option('--markdown <file>', 'write a Markdown summary for a pull-request comment')
    .option('--local', 'run the tests on this machine with the built-in engine instead of the fleet')
    .option('--url <url>', 'control plane URL (default LOADFLEET_URL); with --local, the gate is still recorded there')
    .option('--token <token>', 'API token, role editor or admin (default LOADFLEET_TOKEN)')
    .addHelpText('after', '\nWithout a token: LOADFLEET_ADMIN=user:password (the admin\'s basic auth)')
    .action(async (app: string, opts: GateOptions) => {
      const { gateCommand } = await import('../apps/gate-command.js')
      process.exitCode = await gateCommand(app, opts)
    })
}
