import type { FleetStatus } from '@loadfleet/api'

/**
 * What the HTTP layer needs from the fleet reconciler: its status, a forced pass, and a nudge when the
 * desired count changes through the API. `loadfleet up` and `loadfleet server` plug in a real one.
 */
export interface FleetController {
  status (): FleetStatus
  /** Runs one reconcile pass now and returns the status after it. */
  reconcileNow (): Promise<FleetStatus>
  /** Called after `k6DesiredAgentCount` changes, so the fleet follows within seconds. */
  desiredCountChanged (count: number): void
  stop (): Promise<void>
}
