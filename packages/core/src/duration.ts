const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
// k6 accepts Go-style durations: a sequence of <number><unit>, e.g. "1m30s", "1.5s", "250ms".
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:us|µs|ms|s|m|h|d))+$/
const PART_RE = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d)/g

/**
 * Parses a k6 duration ("30s", "1m30s", "250ms") into milliseconds.
 * A bare number is milliseconds, as in k6's JSON options. Returns undefined when malformed.
 */
export function parseDurationMs (input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined
  const text = input.trim()
  if (/^\d+$/.test(text)) return Number(text)
  if (!DURATION_RE.test(text)) return undefined
  let total = 0
  for (const [, amount, unit] of text.matchAll(PART_RE)) total += Number(amount) * (UNIT_MS[unit ?? 's'] ?? 0)
  return total
}

/** Formats milliseconds the way k6 prints durations: "1m30s", "250ms", "0s". */
export function formatDurationMs (ms: number): string {
  if (ms > 0 && ms < 1000) return `${Math.round(ms)}ms`
  let rest = Math.round(ms / 1000)
  const h = Math.floor(rest / 3600)
  rest -= h * 3600
  const m = Math.floor(rest / 60)
  const s = rest - m * 60
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`
}
