import { maskUrl, maskUrlsIn, type Run, type Target, type TargetWithStats } from '@loadfleet/api'

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
    failureReason: maskNullable(run.failureReason),
    verdict: run.verdict === null ? null : { ...run.verdict, reason: maskNullable(run.verdict.reason) },
  }
}

function maskNullable (text: string | null): string | null {
  return text === null ? null : maskUrlsIn(text)
}

/** A site with its stats as the dashboard lists it: its URL and the last failure reason masked. */
export function maskTargetWithStats (target: TargetWithStats): TargetWithStats {
  const lastFailureReason = maskNullable(target.stats.lastFailureReason)
  return { ...maskTarget(target), stats: { ...target.stats, lastFailureReason } }
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
