import { resolve } from 'node:path'
import { RequestInvalid, type FieldIssue } from './errors.js'

/** The name a site's script has in its diagnostics; it is never read from or written to disk. */
const SCRIPT_FILE = 'script.js'

/**
 * Every problem the engine's compiler finds in a site's script (syntax errors, unsupported imports and constructs),
 * each with its line. The script is compiled, never run: its init code runs only on agents.
 */
export async function scriptIssues (script: string, path = 'body.script'): Promise<FieldIssue[]> {
  // Loaded on first use: a control plane without scripted sites never loads the engine.
  const { loadScript } = await import('@loadfleet/engine')
  const entry = resolve(SCRIPT_FILE)
  // Only the script itself exists; a local `./module.js` import has nothing to read.
  const loaded = await loadScript(SCRIPT_FILE, (p) => Promise.resolve(p === entry ? script : undefined))
  return loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => {
    const message = d.message.startsWith('cannot read ')
      ? 'local module imports are not available in a site\'s script; put that code in the script itself'
      : d.message
    return d.line === undefined ? { path, message } : { path, message: `line ${d.line}: ${message}`, line: d.line }
  })
}

/** Refuses (400, nothing stored) a script the engine cannot compile; null or absent passes. */
export async function assertScriptCompiles (script: string | null | undefined): Promise<void> {
  if (script === null || script === undefined) return
  const issues = await scriptIssues(script)
  if (issues.length > 0) throw new RequestInvalid({ issues })
}
