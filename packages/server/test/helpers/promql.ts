/** Grafana's built-in variables replaced by values PromQL accepts, so a panel's query can be checked as PromQL. */
export function withGrafanaVariables (expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h')
    .replace(/\$\{?(\w+)\}?/g, 'x') // user variables only ever appear inside label matchers' strings here
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'start', 'end'])

/**
 * The metric names a PromQL expression reads. Not a parser (promtool checks the syntax): strings, label matchers,
 * ranges and grouping clauses are removed, then every identifier not called as a function or aggregation is a name.
 */
export function metricNamesOf (expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = new Set<string>()
  for (const match of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const name = match[1] ?? ''
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name)
  }
  return [...names].sort()
}
