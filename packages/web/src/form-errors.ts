import { ApiError } from '@loadfleet/api/client'

const countFormat = new Intl.NumberFormat('en-US')
// The validator's own wording ("Too small: expected number to be >=1"), turned into a sentence naming the field.
const NUMBER_BOUND = /^Too (?:small|big): expected (?:number|int|bigint) to be (>=|>|<=|<)\s*(-?[\d.]+)/
const LENGTH_BOUND = /^Too (?:small|big): expected (?:string|array) to have (>=|>|<=|<)\s*(\d+) (characters|items)/
const WRONG_TYPE = /^Invalid input: expected (\w+), received (\w+)/
const BOUND_WORDS: Record<string, string> = { '>=': 'at least', '>': 'more than', '<=': 'at most', '<': 'less than' }

/** One validation message in words: `VUs must be at least 1`, `URL must be an absolute http:// or https:// URL`. */
export function describeIssue (label: string, message: string): string {
  const number = NUMBER_BOUND.exec(message)
  if (number !== null) return `${label} must be ${BOUND_WORDS[number[1] ?? '']} ${countFormat.format(Number(number[2]))}`
  const length = LENGTH_BOUND.exec(message)
  if (length !== null) {
    const [, op = '', count = '', unit = ''] = length
    if (op === '>=' && count === '1') return `${label} is required`
    return `${label} must have ${BOUND_WORDS[op]} ${countFormat.format(Number(count))} ${unit}`
  }
  const type = WRONG_TYPE.exec(message)
  if (type !== null) {
    const [, expected = '', received = ''] = type
    if (received === 'undefined') return `${label} is required`
    if (expected === 'int' && received === 'number') return `${label} must be a whole number`
    if (expected === 'number' || expected === 'int') return `Enter a number for ${label}`
    if (expected === 'boolean') return `${label} must be on or off`
    return `${label} must be ${expected === 'string' ? 'text' : `a ${expected}`}`
  }
  if (message === 'unknown field') return `${label} is not a field this form can set`
  if (message.startsWith('expected ')) return `${label} must be ${message.slice('expected '.length)}`
  return `${label}: ${message}`
}

/** Words for an issue inside a field, one threshold; `rest` is its path after the field (`http_req_duration.0`). */
export type NestedIssueWords = (rest: string, message: string) => string

/**
 * Field name → message in words, from a 400's `details.issues[]` (paths may be arrays or dotted strings).
 * `labels` names each field as the form shows it; a field without one is named by its key. `nested` words issues
 * inside a field (a list item, a map key) where the form can say more than the field's name.
 */
export function fieldErrorsOf (error: unknown, labels: Record<string, string> = {},
  nested: Record<string, NestedIssueWords> = {}): Record<string, string> {
  const result: Record<string, string> = {}
  if (!(error instanceof ApiError)) return result
  const details = error.details as { issues?: unknown } | null | undefined
  const issues = Array.isArray(details?.issues) ? details.issues as unknown[] : []
  for (const issue of issues) {
    if (typeof issue !== 'object' || issue === null) continue
    const { path, message } = issue as { path?: unknown, message?: unknown }
    const at = fieldOf(path)
    if (at === null || result[at.field] !== undefined) continue
    const text = typeof message === 'string' ? message : 'invalid value'
    const words = nested[at.field]
    result[at.field] = words !== undefined && at.rest !== ''
      ? words(at.rest, text)
      : describeIssue(labels[at.field] ?? at.field, text)
  }
  return result
}

// Some servers prefix the request part ("body.url"); the field is the first segment after it.
const FIELD_PATH = /^(?:body(?:[./]|$))?([^./]+)(?:[./](.*))?$/s

function fieldOf (path: unknown): { field: string, rest: string } | null {
  const text = Array.isArray(path) ? path.map(String).join('.') : typeof path === 'string' ? path.replace(/^\//, '') : ''
  const match = FIELD_PATH.exec(text)
  const field = match?.[1]
  if (field === undefined || field === '' || field === 'body') return null
  return { field, rest: match?.[2] ?? '' }
}
