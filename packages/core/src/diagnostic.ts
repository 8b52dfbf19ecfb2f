/** One problem found in user input (a test file, flags, a manifest); collected, never thrown one by one. */
export interface Diagnostic {
  severity: 'error' | 'warning'
  code: `LF_${string}`
  /** File the problem is in, when the input came from a file. */
  file?: string
  /** Dotted path of the offending field, e.g. `options.stages.1.duration`. */
  path: string
  /** 1-based line of the offending node, when known. */
  line?: number
  message: string
}

/** The shape every `parseX` returns: a value only when there is no error diagnostic. */
export interface ParseResult<T> {
  value?: T
  diagnostics: Diagnostic[]
}

/** True when at least one diagnostic is an error. */
export function hasErrors (diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error')
}

/** One line per diagnostic: `file:line: path: message`, for CLI output. */
export function formatDiagnostic (d: Diagnostic): string {
  const where = [d.file, d.line].filter((x) => x !== undefined).join(':')
  const path = d.path === '' ? '' : `${d.path}: `
  return `${where === '' ? '' : `${where}: `}${d.severity}: ${path}${d.message}`
}
