import { errors } from 'playwright-core'

/** `10 s`, `2.5 s`, `500 ms`: how long a step waited, as a reason says it. */
export function formatWait (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${Math.round(ms / 100) / 10} s`
}

/** True for Playwright's timeouts (a wait ran out), as opposed to errors such as an invalid selector. */
export function isTimeout (err: unknown): boolean {
  return err instanceof errors.TimeoutError
}

/**
 * The first line of a Playwright error without its `locator.click:` prefix and call log: a reason a person can
 * read, never a stack trace.
 */
export function errorLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const first = message.split('\n').find((line) => line.trim() !== '') ?? 'unknown error'
  return first.replace(/^[\w.]+: /, '').replace(/\s*=+ logs =+.*$/, '').trim().slice(0, 300)
}
