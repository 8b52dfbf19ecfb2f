/**
 * Renders a Helm chart whose templates keep to a small subset of Go templates, for machines without `helm`.
 * The subset: `{{ .Values.a.b }}`, `{{ .Release.Namespace }}`, `{{ .Chart.AppVersion }}`, each optionally
 * `| quote`; `{{ if PATH }}` / `{{ if not PATH }}` … `{{ else }}` … `{{ end }}`; `{{-` / `-}}` trim whitespace
 * as in Go. Anything else throws, so a template that leaves the subset fails the test instead of rendering wrong.
 * The rules follow text/template: an empty string, 0, false, null and an empty list or map are false.
 */
export interface ChartContext {
  Values: Record<string, unknown>
  Release: { Namespace: string, Name: string }
  Chart: { AppVersion: string, Version: string }
}

type Node = { text: string } | { value: string[], quote: boolean }
  | { test: string[], negate: boolean, then: Node[], otherwise: Node[] }

const ACTION = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs

function pathOf (expr: string, template: string): string[] {
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(expr)) throw new Error(`${template}: {{ ${expr} }} is outside the template subset`)
  return expr.slice(1).split('.')
}

function parse (source: string, template: string): Node[] {
  // Tokens with Go's trim markers applied to the neighbouring text.
  const tokens: Array<{ text: string } | { action: string }> = []
  let last = 0
  for (const match of source.matchAll(ACTION)) {
    let text = source.slice(last, match.index)
    if (match[1] === '-') text = text.replace(/\s+$/, '')
    tokens.push({ text })
    tokens.push({ action: match[2] ?? '' })
    last = match.index + match[0].length
    if (match[3] === '-') {
      const rest = /^\s*/.exec(source.slice(last))?.[0] ?? ''
      last += rest.length
    }
  }
  tokens.push({ text: source.slice(last) })

  let i = 0
  function block (closers: string[]): { nodes: Node[], closer: string } {
    const nodes: Node[] = []
    while (i < tokens.length) {
      const token = tokens[i++] as { text: string } | { action: string }
      if ('text' in token) { nodes.push({ text: token.text }); continue }
      const action = token.action
      if (closers.includes(action)) return { nodes, closer: action }
      const cond = /^if\s+(not\s+)?(\S+)$/.exec(action)
      if (cond !== null) {
        const then = block(['else', 'end'])
        const otherwise = then.closer === 'else' ? block(['end']).nodes : []
        nodes.push({ test: pathOf(cond[2] ?? '', template), negate: cond[1] !== undefined, then: then.nodes, otherwise })
        continue
      }
      const value = /^(\S+)(\s*\|\s*quote)?$/.exec(action)
      if (value === null) throw new Error(`${template}: {{ ${action} }} is outside the template subset`)
      nodes.push({ value: pathOf(value[1] ?? '', template), quote: value[2] !== undefined })
    }
    if (closers.length > 0) throw new Error(`${template}: missing {{ end }}`)
    return { nodes, closer: '' }
  }
  return block([]).nodes
}

function lookup (context: ChartContext, path: string[], template: string): unknown {
  let value: unknown = context
  for (const key of path) {
    if (value === null || typeof value !== 'object') throw new Error(`${template}: .${path.join('.')} is not set`)
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

function truthy (value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== ''
}

function evaluate (nodes: Node[], context: ChartContext, template: string): string {
  return nodes.map((node) => {
    if ('text' in node) return node.text
    if ('test' in node) {
      const yes = truthy(lookup(context, node.test, template)) !== node.negate
      return evaluate(yes ? node.then : node.otherwise, context, template)
    }
    const value = lookup(context, node.value, template)
    if (value === undefined) throw new Error(`${template}: .${node.value.join('.')} is not set`)
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`${template}: .${node.value.join('.')} is not a string, number or boolean`)
    }
    const text = String(value)
    return node.quote ? JSON.stringify(text) : text
  }).join('')
}

export function renderTemplate (source: string, context: ChartContext, template: string): string {
  return evaluate(parse(source, template), context, template)
}

type Values = Record<string, unknown>

/** Values merged as Helm merges `-f` files over the chart's values.yaml: maps deeply, everything else replaced. */
export function mergeValues (base: Values, override: Values): Values {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(override)) {
    const current = out[key]
    out[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value
  }
  return out
}

function isMap (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
