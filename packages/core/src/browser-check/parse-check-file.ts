import { LineCounter, parseDocument } from 'yaml'
import type { Diagnostic, ParseResult } from '../diagnostic.js'
import { yamlOffsetOf } from '../yaml-position.js'
import { readCheckOptions, type CheckOptions } from './check-options.js'

const CODE_INVALID = 'LF_CHECK_INVALID'
const CODE_SYNTAX = 'LF_CHECK_SYNTAX'

/** Parses a browser check's steps file (YAML, or JSON which YAML reads too); each diagnostic has its line. */
export function parseCheckFile (text: string, options: { file?: string } = {}): ParseResult<CheckOptions> {
  const where = options.file === undefined ? {} : { file: options.file }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const [syntax] = doc.errors
  if (syntax !== undefined) {
    return {
      diagnostics: [{
        severity: 'error', code: CODE_SYNTAX, ...where, path: '', line: lineCounter.linePos(syntax.pos[0]).line,
        message: `malformed YAML or JSON: ${syntax.message.split('\n')[0] ?? ''}`,
      }],
    }
  }
  const { value, problems } = readCheckOptions(doc.toJS() as unknown)
  const diagnostics: Diagnostic[] = problems.map(({ path, message }) => {
    const offset = yamlOffsetOf(doc, path)
    return {
      severity: 'error', code: CODE_INVALID, ...where, path: path.join('.'),
      ...(offset === undefined ? {} : { line: lineCounter.linePos(offset).line }), message,
    }
  })
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
  return value === undefined || diagnostics.length > 0 ? { diagnostics } : { value, diagnostics }
}
