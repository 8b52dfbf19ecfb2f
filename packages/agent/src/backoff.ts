/** Upper bound of any retry delay: the control plane may be down for long, but results should follow quickly. */
export const MAX_BACKOFF_MS = 30_000
const BASE_BACKOFF_MS = 500

/**
 * Delay before retry number `attempt` (0-based): exponential with full jitter, so a fleet of agents
 * that lost the control plane at the same moment does not come back in lock-step.
 */
export function backoffDelayMs (attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * ceiling)
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve()
      return
    }
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
