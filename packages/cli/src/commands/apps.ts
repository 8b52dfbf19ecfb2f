import type { Command } from 'commander'

/** Registers the apps-as-code commands: `validate`, `explain`. */
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
}
