import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import type { Diagnostic } from '../diagnostic.js'
import { yamlOffsetOf } from '../yaml-position.js'
import { show } from '../test-file/schema.js'
import { allowedAppKeys, AppManifest } from './schema.js'

/** Diagnostic codes of App manifests. */
export const APP_CODES = {
  syntax: 'LF_APP_SYNTAX',
  invalid: 'LF_APP_INVALID',
  missing: 'LF_APP_FILE_MISSING',
  duplicate: 'LF_APP_DUPLICATE',
  cycle: 'LF_APP_CYCLE',
  widened: 'LF_APP_WIDENED',
  reference: 'LF_APP_REFERENCE',
} as const

/** One manifest file, parsed: the manifest when valid, and where each path of it sits. */
export interface AppFile {
  /** As shown in diagnostics. */
  file: string
  manifest?: AppManifest
  /** 1-based line of the node a path names (the deepest existing one). */
  lineOf: (path: readonly PropertyKey[]) => number
  diagnostics: Diagnostic[]
}

/** Parses and schema-checks one App manifest; every problem of the file is reported, each with its line. */
export function parseAppFile (text: string, file: string): AppFile {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const lineOf = (path: readonly PropertyKey[]): number => {
    const offset = yamlOffsetOf(doc, path)
    return offset === undefined ? 1 : lineCounter.linePos(offset).line
  }
  const error = (path: readonly PropertyKey[], message: string, code: Diagnostic['code'] = APP_CODES.invalid): Diagnostic =>
    ({ severity: 'error', code, file, path: path.map(String).join('.'), line: lineOf(path), message })
  if (doc.errors.length > 0) {
    // Only the first: later syntax errors are mostly consequences of it.
    const first = doc.errors[0]
    const line = first === undefined ? 1 : lineCounter.linePos(first.pos[0]).line
    return {
      file, lineOf,
      diagnostics: [{ severity: 'error', code: APP_CODES.syntax, file, path: '', line,
        message: `malformed YAML: ${first?.message.split('\n')[0] ?? ''}` }],
    }
  }
  const input: unknown = doc.toJS()
  const parsed = AppManifest.safeParse(input)
  if (parsed.success) return { file, lineOf, manifest: parsed.data, diagnostics: [] }
  const diagnostics = parsed.error.issues
    .flatMap((issue) => messagesOf(issue, input).map(({ path, message }) => error(path, message)))
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
  return { file, lineOf, diagnostics }
}

function messagesOf (issue: z.core.$ZodIssue, input: unknown): Array<{ path: PropertyKey[], message: string }> {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedAppKeys(issue.path)
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      message: `unknown key '${key}'${allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : ''}`,
    }))
  }
  if (issue.code === 'invalid_type') {
    const value = valueAt(input, issue.path)
    if (issue.path.length === 0) return [{ path: [], message: `expected an App manifest (apiVersion, kind, metadata, spec), got ${show(value)}` }]
    if (value === undefined) return [{ path: issue.path, message: `required, expected ${issue.expected}` }]
    return [{ path: issue.path, message: issue.message.startsWith('Invalid input') ? `expected ${issue.expected}, got ${show(value)}` : issue.message }]
  }
  if (issue.code === 'invalid_key') {
    const key = String(issue.path.at(-1))
    const parent = issue.path.slice(0, -1)
    const allowed = allowedAppKeys(parent)
    const why = allowed.length > 0 ? `unknown key '${key}'; allowed here: ${allowed.join(', ')}` : issue.issues.map((i) => i.message).join('; ')
    return [{ path: issue.path, message: why }]
  }
  return [{ path: issue.path, message: issue.message }]
}

function valueAt (input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined
  return node
}
