import { LineCounter, parseDocument } from 'yaml'
import { yamlOffsetOf } from '../yaml-position.js'
import type { z } from 'zod'
import { hasErrors, type Diagnostic, type ParseResult } from '../diagnostic.js'
import type { TestSpec } from '../test-spec.js'
import { normaliseTestFile } from './normalise.js'
import { show, TestFileSchema } from './schema.js'
import { checkSemantics, unknownKeyMessage } from './semantic-checks.js'
import { allowedKeysAt } from './allowed-keys.js'

const CODE_INVALID = 'LF_TEST_INVALID'
const CODE_SYNTAX = 'LF_TEST_SYNTAX'

/** Where a diagnostic's path points in the source text, when the input came from text. */
type LineOf = (path: readonly PropertyKey[]) => number | undefined

/** Options of the test-file parsers. */
export interface ParseTestOptions {
  /** Shown in diagnostics. */
  file?: string
  /** Defaults to `json` for `.json` files, otherwise `yaml`. */
  format?: 'yaml' | 'json'
}

/** Parses a YAML or JSON test file; every diagnostic carries the line of the offending node. */
export function parseTestText (text: string, options: ParseTestOptions = {}): ParseResult<TestSpec> {
  const format = options.format ?? (options.file?.toLowerCase().endsWith('.json') === true ? 'json' : 'yaml')
  const where = options.file === undefined ? {} : { file: options.file }
  if (format === 'json') {
    const syntax = jsonSyntaxError(text)
    if (syntax !== undefined) return { diagnostics: [{ ...syntax, ...where }] }
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return {
      // Only the first: later syntax errors are mostly consequences of it.
      diagnostics: doc.errors.slice(0, 1).map((e) => ({
        severity: 'error', code: CODE_SYNTAX, ...where, path: '',
        line: lineCounter.linePos(e.pos[0]).line,
        message: `malformed ${format === 'json' ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0] ?? ''}`,
      })),
    }
  }
  const lineOf: LineOf = (path) => {
    const offset = yamlOffsetOf(doc, path)
    return offset === undefined ? undefined : lineCounter.linePos(offset).line
  }
  return validate(doc.toJS() as unknown, { ...where, lineOf })
}

/** Applies the test-file rules to an already-parsed object (an agent's target, flags). */
export function parseTestObject (input: unknown, options: { file?: string } = {}): ParseResult<TestSpec> {
  return validate(input, options.file === undefined ? {} : { file: options.file })
}

function validate (input: unknown, ctx: { file?: string, lineOf?: LineOf }): ParseResult<TestSpec> {
  const parsed = TestFileSchema.safeParse(input)
  const raw: Problem[] = []
  if (!parsed.success) raw.push(...parsed.error.issues.flatMap((issue) => splitIssue(issue, input)))
  for (const d of checkSemantics(input)) raw.push({ path: d.path.split('.'), message: d.message })
  const seen = new Set<string>()
  const diagnostics: Diagnostic[] = []
  for (const { path, message } of raw) {
    const dotted = path.map(String).join('.')
    if (seen.has(`${dotted}\0${message}`)) continue
    seen.add(`${dotted}\0${message}`)
    const line = ctx.lineOf?.(path.map((p) => /^\d+$/.test(String(p)) ? Number(p) : p))
    diagnostics.push({
      severity: 'error', code: CODE_INVALID,
      ...(ctx.file === undefined ? {} : { file: ctx.file }),
      path: dotted,
      ...(line === undefined ? {} : { line }),
      message,
    })
  }
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
  if (hasErrors(diagnostics) || !parsed.success) return { diagnostics }
  return { value: deepFreeze(normaliseTestFile(parsed.data)), diagnostics }
}

/** The spec is shared by every VU and worker of a run; freezing it turns an accidental write into an error. */
function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

/** One message per problem; an unknown-keys issue becomes one per key, pointing at the key itself. */
type Problem = { path: readonly PropertyKey[], message: string }

function splitIssue (issue: z.core.$ZodIssue, input: unknown): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path, input)
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      message: unknownKeyMessage(key, issue.path, allowed),
    }))
  }
  if (issue.code === 'invalid_type') {
    const value = valueAt(input, issue.path)
    if (issue.path.length === 0) return [{ path: [], message: rootMessage(value) }]
    if (value === undefined) return [{ path: issue.path, message: `required, expected ${issue.expected}` }]
    // Keep the schema's own wording; replace only zod's generic "Invalid input: …".
    const message = issue.message.startsWith('Invalid input') ? `expected ${issue.expected}, got ${show(value)}` : issue.message
    return [{ path: issue.path, message }]
  }
  if (issue.code === 'invalid_key') {
    const key = String(issue.path.at(-1))
    return [{ path: issue.path, message: `'${key}': ${issue.issues.map((i) => i.message).join('; ')}` }]
  }
  return [{ path: issue.path, message: issue.message }]
}

function rootMessage (value: unknown): string {
  const expected = "expected a test: a mapping with 'requests' and optionally 'options' and 'sleep'"
  return value === null || value === undefined ? `the test is empty; ${expected}` : `${expected}, got ${show(value)}`
}

function valueAt (input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined
  return node
}

/** JSON.parse's error with the line it is on. */
function jsonSyntaxError (text: string): Omit<Diagnostic, 'file'> | undefined {
  const message = jsonError(text)
  if (message === undefined) return undefined
  const line = text.slice(0, jsonErrorOffset(text, message)).split('\n').length
  return { severity: 'error', code: CODE_SYNTAX, path: '', line, message: `malformed JSON: ${message}` }
}

function jsonError (text: string): string | undefined {
  try {
    JSON.parse(text)
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

/**
 * Where JSON text goes wrong. V8 names a position for most errors but not all (`[1,]`), so otherwise
 * binary-search the shortest prefix that is wrong for a reason other than ending early.
 */
function jsonErrorOffset (text: string, message: string): number {
  const pos = /position (\d+)/.exec(message)
  if (pos !== null) return Number(pos[1])
  const brokenBeforeEnd = (prefix: string): boolean => {
    const m = jsonError(prefix)
    if (m === undefined || /Unexpected end|Unterminated string/.test(m)) return false
    const at = /position (\d+)/.exec(m)
    return at === null || Number(at[1]) < prefix.length
  }
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (brokenBeforeEnd(text.slice(0, mid + 1))) hi = mid
    else lo = mid + 1
  }
  return lo
}
