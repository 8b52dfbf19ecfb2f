import type { Diagnostic } from '@loadfleet/core'
import { boundNames, keyName, lineOf } from './ast.js'
import type { AstNode } from './ast.js'
import { awaitsCallbacks } from './analyse.js'
import type { ModuleFacts, WaitAnalysis } from './analyse.js'
import type { ResolvedImport } from './resolve-import.js'

/** One change to the source: `text` replaces [start, end); an insertion has start === end. */
interface Edit {
  start: number
  end: number
  text: string
  /** Among insertions at one position: lower goes first. */
  rank: number
}

/** Names a module's code receives from the runtime, unless the module declares its own. */
const INJECTED = ['__ENV', '__VU', 'open', 'require']

/**
 * Rewrites one module into the body of an async function run once per VU: imports become runtime lookups,
 * exports become getters on the returned object, functions that wait become async and their calls awaited.
 * Every edit keeps the line count, so the lines of errors are the script's own.
 */
export function transformModule (options: {
  facts: ModuleFacts
  source: string
  file: string
  analysis: WaitAnalysis
  resolved: ReadonlyMap<string, ResolvedImport>
}): { code: string, diagnostics: Diagnostic[], injected: string[] } {
  const { facts, source, file, analysis, resolved } = options
  const edits: Edit[] = []
  const diagnostics: Diagnostic[] = []
  const refuse = (node: AstNode, message: string): void => {
    diagnostics.push({ severity: 'error', code: 'LF_SCRIPT_UNSUPPORTED', file, path: '', line: lineOf(node), message })
  }
  const exportsList: Array<[string, string]> = []
  let temp = 0
  const keyOf = (node: AstNode): string => {
    const spec = String((node.source as AstNode).value)
    const r = resolved.get(spec)
    return JSON.stringify(r?.kind === 'builtin' ? r.id : r?.kind === 'file' ? r.path : spec)
  }
  const replace = (start: number, end: number, text: string): void => {
    const lines = source.slice(start, end).split('\n').length - 1
    edits.push({ start, end, text: text + '\n'.repeat(lines), rank: 0 })
  }
  for (const stmt of facts.program.body as AstNode[]) {
    switch (stmt.type) {
      case 'ImportDeclaration': {
        const t = `__i${temp++}`
        let text = `const ${t} = await __lf.import(${keyOf(stmt)});`
        for (const s of stmt.specifiers as AstNode[]) {
          const local = (s.local as AstNode).name as string
          if (s.type === 'ImportDefaultSpecifier') text += ` const ${local} = ${t}.default;`
          else if (s.type === 'ImportNamespaceSpecifier') text += ` const ${local} = ${t};`
          else text += ` const ${local} = ${t}[${JSON.stringify(keyName(s.imported as AstNode))}];`
        }
        replace(stmt.start, stmt.end, text)
        break
      }
      case 'ExportNamedDeclaration': {
        const decl = stmt.declaration as AstNode | null
        if (decl !== null) {
          replace(stmt.start, decl.start, '')
          const names = decl.type === 'VariableDeclaration'
            ? (decl.declarations as AstNode[]).flatMap((d) => boundNames(d.id as AstNode))
            : [keyName(decl.id as AstNode) ?? '']
          for (const n of names) exportsList.push([n, n])
        } else if (stmt.source !== null) {
          const t = `__e${temp++}`
          replace(stmt.start, stmt.end, `const ${t} = await __lf.import(${keyOf(stmt)});`)
          for (const s of stmt.specifiers as AstNode[]) {
            exportsList.push([keyName(s.exported as AstNode) ?? '', `${t}[${JSON.stringify(keyName(s.local as AstNode))}]`])
          }
        } else {
          replace(stmt.start, stmt.end, '')
          for (const s of stmt.specifiers as AstNode[]) {
            exportsList.push([keyName(s.exported as AstNode) ?? '', keyName(s.local as AstNode) ?? ''])
          }
        }
        break
      }
      case 'ExportAllDeclaration': {
        const exported = keyName(stmt.exported as AstNode | null)
        const t = `__e${temp++}`
        replace(stmt.start, stmt.end, `const ${t} = await __lf.import(${keyOf(stmt)});` +
          (exported === undefined ? ` __lf.reexport(__exports, ${t});` : ''))
        if (exported !== undefined) exportsList.push([exported, t])
        break
      }
      case 'ExportDefaultDeclaration': {
        const decl = stmt.declaration as AstNode
        const id = keyName(decl.id as AstNode | null)
        if ((decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') && id !== undefined) {
          replace(stmt.start, decl.start, '')
          exportsList.push(['default', id])
        } else {
          replace(stmt.start, decl.start, '__exports.default = ')
          if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') {
            edits.push({ start: decl.end, end: decl.end, text: ';', rank: 9 })
          }
        }
        break
      }
    }
  }
  for (const fn of facts.functions) {
    if (!analysis.isWaiting(fn.node)) continue
    asyncEdit(fn, source, edits, refuse)
    const parent = fn.parent
    if (parent !== undefined && fn.parentKey === 'arguments' &&
      (parent.type === 'NewExpression' || !awaitsCallbacks(parent, facts))) {
      const callee = parent.callee as AstNode
      refuse(fn.node, `a function that makes requests or sleeps is passed to ${source.slice(callee.start, callee.end)}(), ` +
        'which would not wait for it; call it in a for…of loop instead')
    }
  }
  const guarded = new Set<number>()
  for (const unit of facts.units) {
    if (unit.node.type !== 'Program' && !analysis.isWaiting(unit.node)) continue
    for (const { call, awaitable, wrap } of unit.calls) {
      if (!awaitable || !analysis.waits(call, facts)) continue
      if (facts.statementStarts.has(wrap.start) && !guarded.has(wrap.start)) {
        // Scripts often omit semicolons: a statement opening with '(' would call the previous line's value.
        guarded.add(wrap.start)
        edits.push({ start: wrap.start, end: wrap.start, text: '0, ', rank: 0 })
      }
      edits.push({ start: wrap.start, end: wrap.start, text: '(await ', rank: 1 - (wrap.end - wrap.start) / 1e9 })
      edits.push({ start: wrap.end, end: wrap.end, text: ')', rank: -1 - wrap.start / 1e9 })
    }
  }
  const topNames = topLevelNames(facts.program)
  const injected = INJECTED.filter((n) => !topNames.has(n))
  const params = ['__lf', ...injected]
  const getters = exportsList.map(([name, local]) =>
    `Object.defineProperty(__exports, ${JSON.stringify(name)}, { enumerable: true, get: () => ${local} });`).join(' ')
  const code = `(async function (${params.join(', ')}) { 'use strict'; let __ITER = 0; ` +
    '__lf.onIter((i) => { __ITER = i }); const __exports = {};\n' +
    apply(source, edits) + `\n;${getters} return __exports })`
  return { code, diagnostics, injected }
}

function asyncEdit (fn: ModuleFacts['functions'][number], source: string, edits: Edit[],
  refuse: (node: AstNode, message: string) => void): void {
  const { node, parent } = fn
  if (node.async === true) return
  if (node.generator === true) return refuse(node, 'a generator function cannot make requests or sleep here')
  const method = parent !== undefined && fn.parentKey === 'value' &&
    (parent.type === 'MethodDefinition' || (parent.type === 'Property' && (parent.method === true || parent.kind !== 'init')))
  if (!method) {
    edits.push({ start: node.start, end: node.start, text: 'async ', rank: 2 })
    return
  }
  const kind = parent.kind as string
  if (kind === 'get' || kind === 'set' || kind === 'constructor') {
    return refuse(node, `a ${kind === 'constructor' ? 'constructor' : `${kind}ter`} cannot make requests or sleep here`)
  }
  const key = parent.key as AstNode
  let at = parent.computed === true ? source.lastIndexOf('[', key.start) : key.start
  if (parent.type === 'Property' || parent.static !== true) at = Math.min(at, parent.start)
  edits.push({ start: at, end: at, text: 'async ', rank: 2 })
}

function topLevelNames (program: AstNode): Set<string> {
  const names = new Set<string>()
  for (const stmt of program.body as AstNode[]) {
    const decl = stmt.type.startsWith('Export') ? stmt.declaration as AstNode | null : stmt
    if (decl === null || decl === undefined) continue
    if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations as AstNode[]) for (const n of boundNames(d.id as AstNode)) names.add(n)
    } else if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') {
      const id = keyName(decl.id as AstNode | null)
      if (id !== undefined) names.add(id)
    }
    if (stmt.type === 'ImportDeclaration') {
      for (const s of stmt.specifiers as AstNode[]) names.add((s.local as AstNode).name as string)
    }
  }
  return names
}

/** Applies the edits: by position, and at one position closing parentheses before openings, outer before inner. */
function apply (source: string, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || a.rank - b.rank)
  let out = ''
  let at = 0
  for (const e of edits) {
    if (e.start < at) continue // inside a replaced range; replaced ranges hold no calls we rewrite
    out += source.slice(at, e.start) + e.text
    at = e.end
  }
  return out + source.slice(at)
}
