import { lookup } from 'node:dns/promises'
import { targetIssues, type AgentTarget } from '@loadfleet/api/client'
import { egressRefusal, portOf, type EgressPolicy } from '@loadfleet/core/egress'

/** What this agent will run at most, whatever the control plane sends (AGENT_MAX_VUS, AGENT_MAX_DURATION). */
export interface AgentLimits {
  maxVus: number
  maxDurationMs: number
}

/**
 * Why this agent refuses to run `target`, or undefined. The control plane's own limits are checked again (a
 * compromised or buggy control plane must not turn agents into a weapon or exhaust them), then the agent's own.
 */
export function targetRefusal (target: unknown, limits: AgentLimits): string | undefined {
  const issues = targetIssues(target)
  if (issues.length > 0) return issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  const t = target as AgentTarget
  if (t.vus > limits.maxVus) return `vus: ${t.vus} is over this agent's AGENT_MAX_VUS of ${limits.maxVus}`
  if (t.durationS * 1000 > limits.maxDurationMs) {
    return `durationS: ${t.durationS} s is over this agent's AGENT_MAX_DURATION of ${limits.maxDurationMs / 1000} s`
  }
  return undefined
}

/**
 * Whether a received target can be scheduled at all (a usable id, interval and enabled flag); an unschedulable
 * one cannot even be reported as a refused run.
 */
export function isSchedulable (target: unknown): target is AgentTarget {
  if (typeof target !== 'object' || target === null) return false
  const issues = targetIssues(target).map((i) => i.path)
  return !issues.includes('') && !issues.includes('id') && !issues.includes('runIntervalMs') &&
    !issues.includes('enabled') && !issues.includes('lastStartedAt')
}

/**
 * Why the egress policy refuses a target's URL, resolving its host name first (a name must not resolve into a
 * denied range), or undefined. The engine checks every connection again, redirects included.
 */
export async function targetEgressRefusal (policy: EgressPolicy, targetUrl: string): Promise<string | undefined> {
  const url = new URL(targetUrl)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = portOf(url)
  const before = egressRefusal(policy, { host, port })
  if (before !== undefined) return `egress policy: ${before}`
  let addresses: Array<{ address: string }>
  try {
    addresses = await lookup(host, { all: true })
  } catch {
    return undefined // an unresolvable name fails as a DNS error in the run itself
  }
  for (const { address } of addresses) {
    const refusal = egressRefusal(policy, { host, port, address })
    if (refusal !== undefined) return `egress policy: ${refusal}`
  }
  return undefined
}
