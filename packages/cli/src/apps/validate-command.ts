import { EXIT_CODES, formatDiagnostic, loadAppTree, type AppTree } from '@loadfleet/core'

/** Loads the tree and prints its diagnostics on stderr; the tree only when it has no error. */
export async function loadTreeOrReport (dir: string): Promise<AppTree | undefined> {
  const { value, diagnostics } = await loadAppTree(dir)
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n')
  if (value === undefined) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length
    process.stderr.write(`${errors} error${errors === 1 ? '' : 's'}\n`)
  }
  return value
}

/** `loadfleet validate DIR`: exit 0 when the tree is valid, 104 with every problem listed otherwise. */
export async function validateCommand (dir: string): Promise<number> {
  const tree = await loadTreeOrReport(dir)
  if (tree === undefined) return EXIT_CODES.invalidInput
  const tests = [...tree.apps.values()].reduce((n, app) => n + Object.keys(app.manifest.spec.tests ?? {}).length, 0)
  process.stdout.write(`ok: ${tree.apps.size} apps, ${tests} tests\n`)
  return EXIT_CODES.ok
}
