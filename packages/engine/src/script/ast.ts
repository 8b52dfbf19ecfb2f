import { parse } from 'acorn'
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
