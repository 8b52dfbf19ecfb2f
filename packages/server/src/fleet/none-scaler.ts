import type { FleetScaler, ScaleReport } from './fleet-scaler.js'

/** Records the desired count and touches nothing: for fleets an HPA, KEDA or an operator scales. */
export class NoneScaler implements FleetScaler {
  scale (_desired: number): Promise<ScaleReport> {
    return Promise.resolve({ running: null, note: null })
  }

  stop (): Promise<void> {
    return Promise.resolve()
  }
}
