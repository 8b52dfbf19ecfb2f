import { AGENT_TIME_FUTURE_MS, AGENT_TIME_PAST_MS, maskUrlsIn, type FleetStatus } from '@loadfleet/api'
import type { Store } from '../db/store.js'
import type { Auth } from './auth.js'
import type { OidcClient } from './oidc.js'
import type { Metrics } from '../metrics.js'
import type { Alerting } from '../alerts/alerting.js'
import { RequestInvalid, TargetDenied, type FieldIssue } from '../errors.js'
import { createEgressPolicy, egressRefusal, portOf, type EgressPolicy } from '@loadfleet/core/egress'
import { NO_SCALER_NOTE, type FleetController } from '../fleet/index.js'

/** What the route plugins need from the running control plane. */
export interface RouteDeps {
  store: Store
  auth: Auth
  metrics: Metrics
  dashboardRequireAuth: boolean
  /** Single sign-on, when OIDC_ISSUER is set. */
  oidc?: OidcClient | undefined
  /** The fleet controller once the server listens; undefined before (e.g. in app.inject tests without one). */
  fleet (): FleetController | undefined
  fleetScaler: FleetStatus['scaler']
  /** Where targets may point (TARGET_ALLOW / TARGET_DENY); the built-in denials when unset. */
  egress?: EgressPolicy
  /** The alerting loop once the server listens; undefined in app.inject tests without one. */
  alerting?: (() => Alerting | undefined) | undefined
}

const DEFAULT_EGRESS = createEgressPolicy({}).policy

/** Throws TargetDenied (400, naming the rule) when the egress policy does not let agents reach `url`. */
export function checkTargetEgress (deps: RouteDeps, url: string | undefined, path: string): void {
  const issues = egressIssues(deps, url, path)
  if (issues.length > 0) throw new TargetDenied({ issues })
}

/** Why the egress policy refuses `url`, as request issues naming `path`; none when it is allowed. */
export function egressIssues (deps: RouteDeps, url: string | undefined, path: string): FieldIssue[] {
  if (url === undefined) return []
  const parsed = new URL(url)
  const refusal = egressRefusal(deps.egress ?? DEFAULT_EGRESS, { host: parsed.hostname, port: portOf(parsed) })
  return refusal === undefined ? [] : [{ path, message: maskUrlsIn(refusal) }]
}

/** Parses an ISO-8601 time from a request, or throws a 400 naming the field. */
export function parseIsoMs (value: string, path: string): number {
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new RequestInvalid({ issues: [{ path, message: 'expected an ISO-8601 time' }] })
  return ms
}

/**
 * An agent-reported time (`startedAt`, `finishedAt`), or the server's clock when absent. It must lie within the
 * server's clock minus a week (results spooled through an outage) and plus ten minutes (clock skew): a run dated
 * in the year 275760 would head every list forever.
 */
export function agentTimeMs (value: string | undefined, path: string, now = Date.now()): number {
  if (value === undefined) return now
  const ms = parseIsoMs(value, path)
  if (ms < now - AGENT_TIME_PAST_MS || ms > now + AGENT_TIME_FUTURE_MS) {
    throw new RequestInvalid({
      issues: [{ path, message: 'expected a time within the last 7 days and at most 10 minutes ahead of the server' }],
    })
  }
  return ms
}

/** The fleet's status, or what the store knows when no controller runs. */
export async function fleetStatusOf (deps: RouteDeps): Promise<FleetStatus> {
  const fleet = deps.fleet()
  if (fleet !== undefined) return fleet.status()
  const { k6DesiredAgentCount } = await deps.store.repos.config.get()
  return {
    scaler: deps.fleetScaler, desired: k6DesiredAgentCount, running: null,
    lastReconcileAt: null, lastError: null, note: noteOf(deps.fleetScaler),
  }
}

/** What a fleet of this kind says beside its counts before any pass: only `none` has something to say. */
export function noteOf (scaler: FleetStatus['scaler']): string | null {
  return scaler === 'none' ? NO_SCALER_NOTE : null
}
