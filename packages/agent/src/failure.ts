import { ApiError } from '@loadfleet/api/client'

/**
 * How the agent treats a failed call to the control plane.
 * - `fatal`: the enrolment secret was rejected at registration; retrying cannot help.
 * - `transient`: network error, timeout, 5xx, 408, 429, and a 401 that persists after registering again (another
 *   process registering the same name in between): retry with backoff, forever.
 * - `conflict`: 409, the server already holds a different version (a retry after a lost answer).
 * - `unknown-agent`: the server forgot this agent (the reaper deletes long-offline agents): register again.
 * - `rejected`: any other 4xx, including 403 (a run of another agent); the same request would be refused again.
 */
export type FailureKind = 'fatal' | 'transient' | 'conflict' | 'unknown-agent' | 'rejected'

export function classifyFailure (err: unknown): FailureKind {
  if (err instanceof AgentTokenRejected) return 'fatal'
  if (!(err instanceof ApiError)) return 'transient' // fetch failed, connection refused, timeout
  if (err.status === 401) return 'transient'
  if (err.status >= 500 || err.status === 408 || err.status === 429) return 'transient'
  if (err.status === 409) return 'conflict'
  if (err.status === 404 && /AGENT/.test(err.code)) return 'unknown-agent'
  if (err.status === 400 && err.code === 'LF_BAD_RESPONSE') return 'transient' // a proxy's HTML error page
  return 'rejected'
}

/** Thrown when the control plane rejects the enrolment secret (DASHBOARD_SECRET) at registration. */
export class AgentTokenRejected extends Error {
  constructor (options?: ErrorOptions) {
    super('the control plane rejected DASHBOARD_SECRET (HTTP 401): set it to the control plane\'s enrolment secret', options)
    this.name = 'AgentTokenRejected'
  }
}
