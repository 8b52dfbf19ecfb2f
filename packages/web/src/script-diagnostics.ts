import { ApiError } from '@loadfleet/api/client'

/** One problem the server found in a site's script, with the source line it points at. */
export interface ScriptDiagnostic {
  line: number | null
  message: string
  /** The script's text on that line, as the user wrote it; null when the problem has no line. */
  source: string | null
}

/** Every `body.script` issue of a 400, each beside the line of `script` it names (the server compiles the script). */
export function scriptDiagnosticsOf (error: unknown, script: string): ScriptDiagnostic[] {
  if (!(error instanceof ApiError)) return []
  const details = error.details as { issues?: unknown } | null | undefined
  const issues = Array.isArray(details?.issues) ? details.issues as unknown[] : []
  const lines = script.split('\n')
  const out: ScriptDiagnostic[] = []
  for (const issue of issues) {
    if (typeof issue !== 'object' || issue === null) continue
    const { path, message, line } = issue as { path?: unknown, message?: unknown, line?: unknown }
    if (path !== 'body.script' && path !== 'script') continue
    const at = typeof line === 'number' && Number.isInteger(line) && line >= 1 ? line : null
    // The message repeats the line for API clients; the form shows the line beside it instead.
    const text = typeof message === 'string' ? message.replace(/^line \d+: /, '') : 'invalid script'
    out.push({ line: at, message: text, source: at === null ? null : (lines[at - 1] ?? '') })
  }
  return out
}
