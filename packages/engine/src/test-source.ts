import { resolve } from 'node:path'
import { parseTestText } from '@loadfleet/core'
import type { Diagnostic, ExecutionTuple, ParseResult, RunResult, TestSpec } from '@loadfleet/core'
import type { EgressCheck } from './http/index.js'
import { runTest } from './run-test.js'
import { prepareScript, runScript } from './script/index.js'
import type { PreparedScript } from './script/index.js'

/** A test sent as text: a k6 script (`.js`, `.mjs`) or a YAML/JSON test file, by the name's extension. */
export interface TestSource {
  /** Its name, used in diagnostics; the extension says what it is. Never read from disk. */
  file: string
  source: string
}

/** A test ready to run: its spec and, for a script, the prepared script. */
export interface ParsedTestSource {
  spec: TestSpec
  script?: PreparedScript
}

const SCRIPT_RE = /\.m?js$/i

/**
 * Parses a test sent as text. A script is compiled and its init code run (to read its options), as `loadfleet run`
 * does; it may import nothing local. Every problem comes back as a diagnostic.
 */
export async function parseTestSource (test: TestSource, env: Record<string, string> = {}):
Promise<ParseResult<ParsedTestSource>> {
  if (!SCRIPT_RE.test(test.file)) {
    const parsed = parseTestText(test.source, { file: test.file })
    if (parsed.value === undefined) return { diagnostics: parsed.diagnostics }
    return { value: { spec: parsed.value }, diagnostics: [] }
  }
  const entry = resolve(test.file)
  const prepared = await prepareScript(test.file, {
    env, read: (path) => Promise.resolve(path === entry ? test.source : undefined),
  })
  if (prepared.value === undefined) return { diagnostics: prepared.diagnostics.map(noLocalImports) }
  return { value: { spec: prepared.value.plan.spec, script: prepared.value }, diagnostics: [] }
}

function noLocalImports (d: Diagnostic): Diagnostic {
  return d.message.startsWith('cannot read ')
    ? { ...d, message: 'a test sent as text cannot import local modules; put that code in the script itself' }
    : d
}

/** Runs a parsed test (or one segment of it) and answers its result; a script's setup/teardown error is an error. */
export async function runTestSource (test: ParsedTestSource, options: {
  signal?: AbortSignal
  segment?: ExecutionTuple | undefined
  egress?: EgressCheck | undefined
}): Promise<RunResult> {
  if (test.script === undefined) return runTest(test.spec, options)
  const outcome = await runScript(test.script, options)
  if (outcome.scriptError !== undefined && outcome.result.outcome !== 'error') {
    return { ...outcome.result, outcome: 'error', errorMessage: outcome.scriptError }
  }
  return outcome.result
}
