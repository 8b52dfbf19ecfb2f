import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * The client address of the request being served, for the audit trail. Every audited change is made while serving
 * a request, several layers below the route; carrying the address through each store method would double their
 * signatures for one column, so the request's async context carries it instead.
 */
const origin = new AsyncLocalStorage<{ address: string }>()

/** Runs `next` (the rest of the request's handling) with `address` as its origin. */
export function withRequestOrigin (address: string, next: () => void): void {
  origin.run({ address }, next)
}

/** The address of the request being served; null outside one (the reaper, the alert evaluator, a command). */
export function requestAddress (): string | null {
  return origin.getStore()?.address ?? null
}
