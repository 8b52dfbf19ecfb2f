import { BUILTIN_MODULES } from './resolve-import.js'
import type { ResolvedImport } from './resolve-import.js'
import { boundNames, isFunction, keyName } from './ast.js'
import type { AstNode } from './ast.js'

/** Where an imported binding comes from: a built-in module's export (`*` for the namespace) or a local file's. */
export interface ImportBinding {
  module: ResolvedImport
  imported: string
}

/**
 * A unit of code that runs as one function body: a function, or the module body. Calls are those directly in it
 * (not in nested functions); `awaitable` is false where `await` cannot be written (parameters, class fields).
 */
export interface CodeUnit {
  node: AstNode
  calls: Array<{ call: AstNode, awaitable: boolean, wrap: AstNode }>
}

/** What the compiler learns of one module before deciding which calls wait. */
export interface ModuleFacts {
  path: string
  program: AstNode
  imports: Map<string, ImportBinding>
  /** Names of functions and methods the module defines (its own code, not built-ins). */
  localFunctions: Set<string>
  units: CodeUnit[]
  /** Every function node with the names it is called by, and its parent. */
  functions: Array<{ node: AstNode, names: string[], parent: AstNode | undefined, parentKey: string }>
  /** Exported name → local name, for `export { a as b }` and `export default a`. */
  exportAliases: Array<[string, string]>
  /** Where expression statements start: a parenthesis written there would join the statement to the line before. */
  statementStarts: Set<number>
}

/** Globals scripts call that never wait. */
const SYNC_GLOBALS = new Set([
  'open', 'require', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent',
  'encodeURI', 'decodeURI', 'escape', 'unescape', 'structuredClone', 'atob', 'btoa', 'setTimeout', 'clearTimeout',
  'setInterval', 'clearInterval', 'queueMicrotask',
])

/** Collects the facts of one module: its imports, its functions and the calls in each code unit. */
export function collectFacts (path: string, program: AstNode, imports: Map<string, ImportBinding>): ModuleFacts {
  const facts: ModuleFacts = {
    path, program, imports, localFunctions: new Set(), units: [], functions: [], exportAliases: [],
    statementStarts: new Set(),
  }
  const root: CodeUnit = { node: program, calls: [] }
  facts.units.push(root)
  walk(program, root, true, undefined, '', facts)
  for (const fn of facts.functions) for (const name of fn.names) facts.localFunctions.add(name)
  for (const stmt of program.body as AstNode[]) collectExportAliases(stmt, facts)
  return facts
}

function walk (node: AstNode, unit: CodeUnit, awaitable: boolean, parent: AstNode | undefined, parentKey: string,
  facts: ModuleFacts): void {
  if (isFunction(node) && parent !== undefined) {
    const own: CodeUnit = { node, calls: [] }
    facts.units.push(own)
    facts.functions.push({ node, names: namesOf(node, parent, facts.path), parent, parentKey })
    for (const p of node.params as AstNode[]) walk(p, own, false, node, 'params', facts)
    walk(node.body as AstNode, own, true, node, 'body', facts)
    return
  }
  if (node.type === 'ExpressionStatement') facts.statementStarts.add(node.start)
  if (node.type === 'CallExpression') {
    const wrap = parent?.type === 'ChainExpression' ? parent : node
    unit.calls.push({ call: node, awaitable, wrap })
  }
  // Class fields and static blocks run outside any function we can make async.
  const inner = node.type === 'PropertyDefinition' || node.type === 'StaticBlock' ? false : awaitable
  for (const key in node) {
    if (key === 'loc' || key === 'type') continue
    const value = node[key]
    const list = Array.isArray(value) ? value : [value]
    for (const child of list) {
      if (typeof child === 'object' && child !== null && typeof (child as AstNode).type === 'string') {
        walk(child as AstNode, unit, inner, node, key, facts)
      }
    }
  }
}

/** The names a function can be called by: its own, its variable's, its property's or method's key. */
function namesOf (node: AstNode, parent: AstNode, path: string): string[] {
  const names: string[] = []
  const id = keyName(node.id as AstNode | null)
  if (id !== undefined) names.push(id)
  switch (parent.type) {
    case 'VariableDeclarator': names.push(...boundNames(parent.id as AstNode))
      break
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition': {
      const key = keyName(parent.key as AstNode)
      if (key !== undefined) names.push(key)
      break
    }
    case 'AssignmentExpression': {
      const left = parent.left as AstNode
      const key = left.type === 'MemberExpression' ? keyName(left.property as AstNode) : keyName(left)
      if (key !== undefined) names.push(key)
      break
    }
    case 'ExportDefaultDeclaration': names.push(`default@${path}`)
  }
  return names
}

function collectExportAliases (stmt: AstNode, facts: ModuleFacts): void {
  if (stmt.type === 'ExportDefaultDeclaration') {
    const decl = stmt.declaration as AstNode
    const local = decl.type === 'Identifier' ? decl.name as string : keyName(decl.id as AstNode | null)
    if (local !== undefined) facts.exportAliases.push([`default@${facts.path}`, local])
  }
  if (stmt.type === 'ExportNamedDeclaration' && stmt.source === null) {
    for (const spec of stmt.specifiers as AstNode[]) {
      const exported = keyName(spec.exported as AstNode)
      const local = keyName(spec.local as AstNode)
      if (exported === undefined || local === undefined || exported === local) continue
      facts.exportAliases.push([exported, local])
    }
  }
}

/**
 * Decides which calls may wait, over every module at once: a call waits when it reaches a waiting k6 API
 * (http requests, sleep, group) or a function that itself contains such a call; calls of unknown functions
 * (parameters, values read from objects by a computed key) are assumed to wait. Function names are matched
 * by name across modules, so two functions sharing a name both count as waiting when one does.
 */
export class WaitAnalysis {
  readonly #waitingNames = new Set<string>()
  readonly #waitingFunctions = new Set<AstNode>()
  readonly #modules: readonly ModuleFacts[]

  constructor (modules: readonly ModuleFacts[]) {
    this.#modules = modules
    for (let changed = true; changed;) {
      changed = false
      for (const m of modules) {
        for (const unit of m.units) {
          if (unit.node.type === 'Program' || this.#waitingFunctions.has(unit.node)) continue
          if (!unit.calls.some(({ call }) => this.waits(call, m))) continue
          this.#waitingFunctions.add(unit.node)
          for (const fn of m.functions) if (fn.node === unit.node) for (const n of fn.names) this.#waitingNames.add(n)
          changed = true
        }
        for (const [exported, local] of m.exportAliases) {
          if (this.#waitingNames.has(local) && !this.#waitingNames.has(exported)) {
            this.#waitingNames.add(exported)
            changed = true
          }
        }
      }
    }
  }

  /** Whether the function contains a call that waits (it becomes async). */
  isWaiting (fn: AstNode): boolean {
    return this.#waitingFunctions.has(fn)
  }

  /** Whether this call may wait, so its result must be awaited. */
  waits (call: AstNode, m: ModuleFacts): boolean {
    const callee = call.callee as AstNode
    if (callee.type === 'Identifier') return this.#identifierWaits(callee.name as string, m)
    if (callee.type === 'MemberExpression') {
      const object = callee.object as AstNode
      const binding = object.type === 'Identifier' ? m.imports.get(object.name as string) : undefined
      if (callee.computed === true) return binding === undefined || binding.module.kind === 'file'
      const prop = keyName(callee.property as AstNode) ?? ''
      if (binding?.module.kind === 'builtin') return this.#builtinWaits(binding.module.id, prop)
      if (binding?.module.kind === 'file' && binding.imported === 'default') {
        return this.#waitingNames.has(prop) || this.#waitingNames.has(`default@${binding.module.path}`)
      }
      return this.#waitingNames.has(prop)
    }
    if (isFunction(callee)) return this.#waitingFunctions.has(callee)
    if (callee.type === 'Super' || callee.type === 'Import') return false
    return true
  }

  #identifierWaits (name: string, m: ModuleFacts): boolean {
    const binding = m.imports.get(name)
    if (binding !== undefined) {
      if (binding.module.kind === 'builtin') {
        return binding.imported === 'default' || binding.imported === '*'
          ? false
          : this.#builtinWaits(binding.module.id, binding.imported)
      }
      const key = binding.imported === 'default' && binding.module.kind === 'file'
        ? `default@${binding.module.path}`
        : binding.imported
      return this.#waitingNames.has(key) || this.#waitingNames.has(name)
    }
    if (m.localFunctions.has(name)) return this.#waitingNames.has(name)
    if (SYNC_GLOBALS.has(name) || /^[A-Z]/.test(name)) return false
    return true
  }

  #builtinWaits (id: string, name: string): boolean {
    return BUILTIN_MODULES[id]?.includes(name) === true
  }

  /** Every module's facts, as analysed. */
  get modules (): readonly ModuleFacts[] {
    return this.#modules
  }
}

/** Whether a callback given to this call may be a waiting (async) function: only our own code and group() await it. */
export function awaitsCallbacks (call: AstNode, m: ModuleFacts): boolean {
  const callee = call.callee as AstNode
  if (callee.type === 'Identifier') {
    const name = callee.name as string
    const binding = m.imports.get(name)
    if (binding !== undefined) return binding.module.kind === 'file' || (binding.imported === 'group')
    return !SYNC_GLOBALS.has(name) && !/^[A-Z]/.test(name)
  }
  if (callee.type === 'MemberExpression' && callee.computed !== true) {
    const object = callee.object as AstNode
    const binding = object.type === 'Identifier' ? m.imports.get(object.name as string) : undefined
    const prop = keyName(callee.property as AstNode) ?? ''
    if (binding?.module.kind === 'builtin') return prop === 'group'
    return m.localFunctions.has(prop) || binding?.module.kind === 'file'
  }
  return false
}
