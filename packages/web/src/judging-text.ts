import { DEFAULT_EXPECTED_STATUSES, type ExpectedStatus } from '@loadfleet/api/client'

// The site form edits thresholds as text, one metric per line in k6's own words:
//   http_req_duration: p(95)<500, p(99)<1500
//   http_req_failed: rate<0.01
// Text rather than rows of inputs: k6 users already write this, it pastes from a k6 script's `thresholds`
// (quotes and brackets are ignored), and the server's per-expression error maps back to a line.

/** Thresholds as the form's text; keys in the order the API gave them. */
export function thresholdsText (thresholds: Record<string, string[]>): string {
  return Object.entries(thresholds).map(([metric, list]) => `${metric}: ${list.join(', ')}`).join('\n')
}

export interface ParsedThresholds {
  value: Record<string, string[]>
  /** A line that is not `metric: expressions`, in words; the form shows it without asking the server. */
  error?: string
  /** 1-based line of each metric, so a server error about a key or expression names its line. */
  lineOf: Record<string, number>
}

const unquote = (text: string): string => text.trim().replace(/^(["'`])(.*)\1$/, '$2').trim()

/** The first colon outside a tag filter: `http_req_duration{status:200}: p(95)<500` splits after the `}`. */
function keyColon (line: string): number {
  let depth = 0
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '{') depth++
    else if (c === '}') depth = Math.max(0, depth - 1)
    else if (c === ':' && depth === 0) return i
  }
  return -1
}

/** Parses the form's text; a metric with nothing after the colon is sent as `[]` (it drops that default). */
export function parseThresholdsText (text: string): ParsedThresholds {
  const value: Record<string, string[]> = {}
  const lineOf: Record<string, number> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim().replace(/,$/, '')
    if (line === '') continue
    const colon = keyColon(line)
    const key = colon <= 0 ? '' : unquote(line.slice(0, colon))
    if (key === '') {
      return { value, lineOf, error: `line ${i + 1}: write a metric, a colon and its thresholds, e.g. http_req_duration: p(95)<500` }
    }
    const list = line.slice(colon + 1).trim().replace(/^\[/, '').replace(/\]$/, '')
      .split(',').map(unquote).filter((expression) => expression !== '')
    value[key] = [...(value[key] ?? []), ...list]
    lineOf[key] ??= i + 1
  }
  return { value, lineOf }
}

/** `[200, "300-399"]` → `200, 300-399`. */
export function statusesText (statuses: readonly ExpectedStatus[]): string {
  return statuses.join(', ')
}

/** `200-399, 404` → `["200-399", 404]`; an empty box means the default (200-399). Items are checked by the server. */
export function parseStatusesText (text: string): ExpectedStatus[] {
  const items = text.replace(/\s*-\s*/g, '-').split(/[\s,]+/).filter((item) => item !== '')
  if (items.length === 0) return [...DEFAULT_EXPECTED_STATUSES]
  return items.map((item) => (/^\d+$/.test(item) ? Number(item) : item))
}
