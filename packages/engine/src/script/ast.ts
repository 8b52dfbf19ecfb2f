import { parse, tokenizer } from 'acorn'
import type { Node } from 'acorn'

/** An ESTree node as acorn builds it; fields are read by name, so one loose shape serves every node type. */
export interface AstNode {
  type: string
  start: number
  end: number
  loc?: { start: { line: number } }
  [key: string]: unknown
}

/** A script's syntax tree, or the line and message of its syntax error. */
export type ParseOutcome = { ast: AstNode } | { line: number, message: string }

/** Parses a k6 script or module as an ES module, as k6 does. */
export function parseModule (source: string): ParseOutcome {
  try {
    const ast = parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true }) as Node
    return { ast: ast as unknown as AstNode }
  } catch (err) {
    const e = err as SyntaxError & { loc?: { line: number } }
    return { line: e.loc?.line ?? 1, message: `syntax error: ${e.message.replace(/\s*\(\d+:\d+\)$/, '')}` }
  }
}

/**
 * Lines where `<!--` stands as one run of characters: a module reads it as `< ! --`, but the compiled wrapper is a
 * classic script, where it starts a comment (an HTML-like comment, ECMAScript Annex B) that would hide the rest of
 * the line — the script would mean something else than it says, or reach outside its wrapper.
 */
export function htmlCommentLines (source: string): number[] {
  const lines: number[] = []
  const tokens = [...tokenizer(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true })]
  for (let i = 0; i + 2 < tokens.length; i++) {
    const [lt, bang, dec] = [tokens[i], tokens[i + 1], tokens[i + 2]]
    if (lt === undefined || bang === undefined || dec === undefined) continue
    const text = (t: typeof lt): string => source.slice(t.start, t.end)
    if (text(lt) === '<' && text(bang) === '!' && text(dec) === '--' && lt.end === bang.start && bang.end === dec.start) {
      lines.push(lt.loc?.start.line ?? 1)
    }
  }
  return lines
}

/**
 * Whether compiled code is exactly one async function expression and nothing besides, read as the classic script
 * `vm.Script` compiles it: the guard that no module text, however written, runs when it is compiled.
 */
export function isSingleAsyncFunction (code: string): boolean {
  try {
    const program = parse(code, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AstNode
    const body = program.body as AstNode[]
    const statement = body[0]
    const fn = statement?.expression as AstNode | undefined
    return body.length === 1 && statement?.type === 'ExpressionStatement' && fn?.type === 'FunctionExpression' &&
      fn.async === true
  } catch {
    return false
  }
}

export function isNode (value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
}

export function lineOf (node: AstNode): number {
  return node.loc?.start.line ?? 1
}

/** The child nodes of `node`, in source order. */
export function childrenOf (node: AstNode): AstNode[] {
  const out: AstNode[] = []
  for (const key in node) {
    if (key === 'loc' || key === 'type') continue
    const value = node[key]
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item)
    } else if (isNode(value)) {
      out.push(value)
    }
  }
  return out.sort((a, b) => a.start - b.start)
}

export function isFunction (node: AstNode): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression'
}

/** The identifiers a declaration pattern binds (`{ a, b: [c] }` → a, c). */
export function boundNames (pattern: AstNode | null | undefined): string[] {
  if (pattern === null || pattern === undefined) return []
  switch (pattern.type) {
    case 'Identifier': return [pattern.name as string]
    case 'ObjectPattern':
      return (pattern.properties as AstNode[]).flatMap((p) =>
        p.type === 'RestElement' ? boundNames(p.argument as AstNode) : boundNames(p.value as AstNode))
    case 'ArrayPattern': return (pattern.elements as Array<AstNode | null>).flatMap((e) => boundNames(e))
    case 'RestElement': return boundNames(pattern.argument as AstNode)
    case 'AssignmentPattern': return boundNames(pattern.left as AstNode)
    default: return []
  }
}

/** The name of an identifier or string-literal key/specifier. */
export function keyName (node: AstNode | null | undefined): string | undefined {
  if (node === null || node === undefined) return undefined
  if (node.type === 'Identifier') return node.name as string
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value
  return undefined
}
