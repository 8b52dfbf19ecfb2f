import type { FleetScaler, ScaleReport } from './fleet-scaler.js'

/** What the API, the log and the fleet page say when the desired count moves nothing. */
export const NO_SCALER_NOTE = 'No fleet scaler is configured (FLEET_SCALER=none): the desired count is recorded, ' +
  'but no agent is started or stopped. Start agents yourself with `loadfleet agent` (DASHBOARD_URL and ' +
  'DASHBOARD_SECRET set; see the README), run `loadfleet up` for local agent processes, or set FLEET_SCALER ' +
  'to process, compose or kubernetes.'

/** Records the desired count and touches nothing: for fleets an HPA, KEDA or an operator scales. */
export class NoneScaler implements FleetScaler {
  scale (_desired: number): Promise<ScaleReport> {
    return Promise.resolve({ running: null, note: NO_SCALER_NOTE })
  }

  stop (): Promise<void> {
    return Promise.resolve()
  }
}
