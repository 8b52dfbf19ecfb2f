import { readFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { Script } from 'node:vm'
import type { Diagnostic, ParseResult } from '@loadfleet/core'
import { htmlCommentLines, isNode, isSingleAsyncFunction, lineOf, parseModule } from './ast.js'
import type { AstNode } from './ast.js'
import { WaitAnalysis, collectFacts } from './analyse.js'
import type { ImportBinding, ModuleFacts } from './analyse.js'
import { resolveImport } from './resolve-import.js'
import type { ResolvedImport } from './resolve-import.js'
import { transformModule } from './transform.js'
import { TYPESCRIPT_FILE_RE, stripTypes } from './strip-types.js'

/** A compiled module: called once per VU with the runtime, it runs the module body and returns its exports. */
export type ModuleFactory = (lf: unknown, ...injected: unknown[]) => Promise<Record<string, unknown>>

/** A script ready to run: every module compiled, keyed by absolute path. */
export interface LoadedScript {
  entry: string
  modules: Map<string, { display: string, factory: ModuleFactory, injected: string[] }>
}

/** Where module sources come from: files on disk, or (for a script sent over the API) memory. */
export type ReadSource = (path: string) => Promise<string | undefined>

const readFromDisk: ReadSource = async (path) => readFile(path, 'utf8').catch(() => undefined)

/**
 * Reads, checks and compiles a k6 script and every local module it imports. Problems (syntax errors, unsupported
 * imports and constructs) come back as diagnostics with their lines, all at once; nothing runs.
 */
export async function loadScript (entryFile: string, read: ReadSource = readFromDisk):
Promise<ParseResult<LoadedScript>> {
  const entry = resolve(entryFile)
  const display = (path: string): string => path === entry ? entryFile : relative(process.cwd(), path) || path
  const diagnostics: Diagnostic[] = []
  const sources = new Map<string, { source: string, facts: ModuleFacts, resolved: Map<string, ResolvedImport> }>()
  const queue: Array<{ path: string, from?: { file: string, line: number } }> = [{ path: entry }]
  while (queue.length > 0) {
    const { path, from } = queue.shift() as { path: string, from?: { file: string, line: number } }
    if (sources.has(path)) continue
    const text = await read(path)
    const file = display(path)
    if (text === undefined) {
      diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_INVALID', path: '', message: `cannot read '${file}'`,
        ...(from === undefined ? {} : { file: from.file, line: from.line }) })
      continue
    }
    const stripped = TYPESCRIPT_FILE_RE.test(path) ? stripTypes(text) : { code: text }
    if (!('code' in stripped)) {
      diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_INVALID', file, path: '', line: stripped.line, message: stripped.message })
      continue
    }
    const source = stripped.code
    const parsed = parseModule(source)
    if (!('ast' in parsed)) {
      diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_INVALID', file, path: '', line: parsed.line, message: parsed.message })
      continue
    }
    const resolved = new Map<string, ResolvedImport>()
    const imports = new Map<string, ImportBinding>()
    for (const { node, specifier } of importsOf(parsed.ast, (n, message) => diagnostics.push(
      { severity: 'error', code: 'LF_SCRIPT_UNSUPPORTED', file, path: '', line: lineOf(n), message }))) {
      const r = resolveImport(specifier, path)
      resolved.set(specifier, r)
      if (r.kind === 'unsupported') {
        diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_UNSUPPORTED', file, path: '', line: lineOf(node), message: r.message })
        continue
      }
      if (r.kind === 'file') queue.push({ path: r.path, from: { file, line: lineOf(node) } })
      for (const s of (node.specifiers as AstNode[] | undefined) ?? []) {
        if (node.type !== 'ImportDeclaration') continue
        const local = (s.local as AstNode).name as string
        const imported = s.type === 'ImportDefaultSpecifier' ? 'default'
          : s.type === 'ImportNamespaceSpecifier' ? '*'
            : String((s.imported as AstNode).name ?? (s.imported as AstNode).value)
        imports.set(local, { module: r, imported })
      }
    }
    sources.set(path, { source, facts: collectFacts(path, parsed.ast, imports), resolved })
  }
  if (diagnostics.length > 0) return { diagnostics }
  const analysis = new WaitAnalysis([...sources.values()].map((s) => s.facts))
  const modules: LoadedScript['modules'] = new Map()
  for (const [path, { source, facts, resolved }] of sources) {
    const file = display(path)
    const out = transformModule({ facts, source, file, analysis, resolved })
    diagnostics.push(...out.diagnostics)
    for (const line of htmlCommentLines(source)) {
      diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_UNSUPPORTED', file, path: '', line,
        message: '"<!--" would read as a comment where the script runs; write "< !--" with a space' })
    }
    if (diagnostics.length > 0) continue
    if (!isSingleAsyncFunction(out.code)) {
      diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_UNSUPPORTED', file, path: '', line: 1,
        message: 'a construct the engine cannot run: the compiled module would not stay one function' })
      continue
    }
    try {
      // One line of wrapper precedes the module, so a line offset of -1 keeps error lines the script's own.
      const factory = new Script(out.code, { filename: file, lineOffset: -1 }).runInThisContext() as ModuleFactory
      modules.set(path, { display: file, factory, injected: out.injected })
    } catch (err) {
      diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_UNSUPPORTED', file, path: '', line: errorLine(err, file) ?? 1,
        message: `a construct the engine cannot run: ${(err as Error).message}` })
    }
  }
  if (diagnostics.length > 0) return { diagnostics }
  return { value: { entry, modules }, diagnostics }
}

/** Every static import and re-export of a module; dynamic `import()` is refused. */
function importsOf (program: AstNode, refuse: (node: AstNode, message: string) => void):
Array<{ node: AstNode, specifier: string }> {
  const out: Array<{ node: AstNode, specifier: string }> = []
  for (const stmt of program.body as AstNode[]) {
    const source = stmt.source as AstNode | null | undefined
    if (isNode(source) && (stmt.type === 'ImportDeclaration' || stmt.type.startsWith('Export'))) {
      out.push({ node: stmt, specifier: String(source.value) })
    }
  }
  findDynamicImports(program, refuse)
  return out
}

function findDynamicImports (node: AstNode, refuse: (node: AstNode, message: string) => void): void {
  if (node.type === 'ImportExpression') {
    refuse(node, 'dynamic import() is not supported; use a static import at the top of the module')
  }
  for (const key in node) {
    if (key === 'loc') continue
    const value = node[key]
    for (const child of Array.isArray(value) ? value : [value]) if (isNode(child)) findDynamicImports(child, refuse)
  }
}

/** The line of `file` an error was thrown at, from its stack. */
export function errorLine (err: unknown, file: string): number | undefined {
  const stack = (err as Error | undefined)?.stack ?? ''
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const m = new RegExp(`${escaped}:(\\d+)`).exec(stack)
  return m === null ? undefined : Number(m[1])
}
