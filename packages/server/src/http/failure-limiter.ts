/** A limit on failures: at most `maxFailures` within `windowMs`. */
export interface FailureLimit { maxFailures: number, windowMs: number }

// Bounds memory under a spray of addresses or user names: beyond this, expired and then oldest keys are dropped.
const DEFAULT_MAX_KEYS = 10_000

/**
 * Counts failures per key in fixed windows; a key that reached its limit is refused until its window ends.
 * In memory, per control-plane replica: each replica limits on its own.
 */
export class FailureLimiter {
  readonly #limit: FailureLimit
  readonly #maxKeys: number
  readonly #entries = new Map<string, { count: number, resetAt: number }>()

  constructor (limit: FailureLimit, maxKeys = DEFAULT_MAX_KEYS) {
    this.#limit = limit
    this.#maxKeys = maxKeys
  }

  /** How long `key` must wait before trying again; 0 when it may try now. */
  blockedForMs (key: string, now: number): number {
    const entry = this.#entries.get(key)
    if (entry === undefined || entry.resetAt <= now || entry.count < this.#limit.maxFailures) return 0
    return entry.resetAt - now
  }

  /** Records one failure of `key`. */
  fail (key: string, now: number): void {
    let entry = this.#entries.get(key)
    if (entry === undefined || entry.resetAt <= now) {
      this.#entries.delete(key)
      entry = { count: 0, resetAt: now + this.#limit.windowMs }
      this.#entries.set(key, entry)
      if (this.#entries.size > this.#maxKeys) this.#prune(now)
    }
    entry.count++
  }

  #prune (now: number): void {
    for (const [key, entry] of this.#entries) if (entry.resetAt <= now) this.#entries.delete(key)
    // Maps iterate in insertion order: the first keys are the oldest windows.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxKeys) break
      this.#entries.delete(key)
    }
  }
}
