import { maskUrl, maskUrlsIn, type Run, type Target } from '@loadfleet/api'

// Read APIs show target URLs without their credentials: user info and secret-named query parameters become ***.
// Agents alone receive the real URL, over their authenticated route.

/** A target as read APIs show it. */
export function maskTarget<T extends Target> (target: T): T {
  return { ...target, url: maskUrl(target.url) }
}

/** A run as read APIs show it: its target URL and any URL quoted in its error message masked. */
export function maskRun<R extends Run> (run: R): R {
  return {
    ...run,
    targetUrl: run.targetUrl === null ? null : maskUrl(run.targetUrl),
    errorMessage: run.errorMessage === null ? null : maskUrlsIn(run.errorMessage),
  }
}

/** A JSON value (summary, audit change) with every URL inside its strings and keys masked. */
export function maskDeep<T> (value: T): T {
  return maskValue(value) as T
}

function maskValue (value: unknown): unknown {
  if (typeof value === 'string') return maskUrlsIn(value)
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(maskValue)
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) out[maskUrlsIn(key)] = maskValue(child)
  return out
}
