/** What a scaler observed after a pass. */
export interface ScaleReport {
  /** Agents running (processes, containers, ready replicas); null when the scaler cannot tell. */
  running: number | null
  /** Set when something else owns the count (an HPA), so the dashboard can say why desired ≠ running. */
  note: string | null
}

/** Makes one kind of fleet (child processes, Compose service, Deployment) match a desired agent count. */
export interface FleetScaler {
  /** Idempotent: called every few seconds with the same count; acts only on a difference. Throws on failure. */
  scale (desired: number): Promise<ScaleReport>
  /** The running count right now, when the scaler knows it without a round trip. */
  running? (): number
  /** Releases what the scaler owns (the process scaler terminates its agents). */
  stop (): Promise<void>
}

/** The minimal logger the fleet writes to; the server's pino logger fits it. */
export interface FleetLogger {
  info (fields: object, message: string): void
  warn (fields: object, message: string): void
  error (fields: object, message: string): void
}

/** A logger that drops everything, for when the caller passes none. */
export const SILENT_LOGGER: FleetLogger = { info () {}, warn () {}, error () {} }
