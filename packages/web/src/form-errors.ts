import { ApiError } from '@loadfleet/api/client'

/** Field name → message, from a 400's `details.issues[]` (paths may be arrays or dotted strings). */
export function fieldErrorsOf (error: unknown): Record<string, string> {
  const result: Record<string, string> = {}
  if (!(error instanceof ApiError)) return result
  const details = error.details as { issues?: unknown } | null | undefined
  const issues = Array.isArray(details?.issues) ? details.issues as unknown[] : []
  for (const issue of issues) {
    if (typeof issue !== 'object' || issue === null) continue
    const { path, message } = issue as { path?: unknown, message?: unknown }
    const field = fieldOf(path)
    if (field !== null && result[field] === undefined) result[field] = typeof message === 'string' ? message : 'invalid'
  }
  return result
}

function fieldOf (path: unknown): string | null {
  if (Array.isArray(path)) {
    // Some servers prefix the request part ("body.url"); the field is the first segment after it.
    const parts = path.map(String).filter((part) => part !== 'body')
    return parts[0] ?? null
  }
  if (typeof path === 'string' && path !== '') {
    const parts = path.replace(/^\//, '').split(/[./]/).filter((part) => part !== 'body' && part !== '')
    return parts[0] ?? null
  }
  return null
}
