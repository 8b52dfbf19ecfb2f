import type { FleetStatus } from '@loadfleet/api'
import type { FleetController } from './fleet-controller.js'

export type { FleetController } from './fleet-controller.js'

export type FleetScalerKind = FleetStatus['scaler']

/** What a fleet controller needs from the running control plane. */
export interface FleetDeps {
  scaler: FleetScalerKind
  /** Reads `k6DesiredAgentCount` from the store. */
  getDesiredCount (): Promise<number>
  /** Where spawned agents reach the control plane (DASHBOARD_URL). */
  serverUrl: string
  /** The agents' bearer token (DASHBOARD_SECRET). */
  agentToken: string
  env: Record<string, string | undefined>
}

/** Builds the fleet controller for `deps.scaler`. */
export function createFleetController (deps: FleetDeps): FleetController {
  let desired = 0
  let lastReconcileAt: string | null = null
  const status = (): FleetStatus => ({
    scaler: deps.scaler, desired, running: null, lastReconcileAt, lastError: null, note: null,
  })
  return {
    status,
    async reconcileNow () {
      desired = await deps.getDesiredCount()
      lastReconcileAt = new Date().toISOString()
      return status()
    },
    desiredCountChanged (count) { desired = count },
    async stop () {},
  }
}
