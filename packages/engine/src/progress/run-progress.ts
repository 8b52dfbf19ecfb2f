import type { MetricsRegistry } from '../metrics/index.js'
import type { RunContext } from '../executors/index.js'

/** A live snapshot of a running test, for progress lines and dashboards. */
export interface RunProgress {
  elapsedMs: number
  /** Planned test time (longest scenario, start time included), graceful stops excluded. */
  totalMs: number
  /** Active VUs. */
  vus: number
  /**
   * Requests per second since the start: the figure the summary's `http_reqs` rate ends on. A shorter window would
   * swing with the VUs' think time (4 VUs sleeping 1 s send their requests in bursts, so half a second holds either
   * 4 requests or none and reads 8 req/s or 0).
   */
  rps: number
  /** p95 of http_req_duration since the start, in ms. */
  p95Ms: number
  /** Share of failed requests since the start (0–1). */
  errorRate: number
  /** Completed iterations since the start. */
  iterations: number
}

/** Builds successive snapshots of a running test. */
export class ProgressMeter {
  readonly #ctx: RunContext
  readonly #metrics: MetricsRegistry
  readonly #totalMs: number

  constructor (ctx: RunContext, totalMs: number) {
    this.#ctx = ctx
    this.#metrics = ctx.metrics
    this.#totalMs = totalMs
  }

  snapshot (): RunProgress {
    const elapsedMs = this.#ctx.elapsedMs()
    const rps = elapsedMs > 0 ? (this.#metrics.httpReqs.count * 1000) / elapsedMs : 0
    return {
      elapsedMs,
      totalMs: this.#totalMs,
      vus: this.#ctx.active,
      rps,
      p95Ms: (this.#metrics.trend('http_req_duration')?.percentileUs(95) ?? 0) / 1000,
      errorRate: this.#metrics.httpReqFailed.rate,
      iterations: this.#metrics.iterations.count,
    }
  }
}
