import type { MetricsRegistry } from '../metrics/index.js'
import type { RunContext } from '../executors/index.js'

/** A live snapshot of a running test, for progress lines and dashboards. */
export interface RunProgress {
  elapsedMs: number
  /** Planned test time (longest scenario, start time included), graceful stops excluded. */
  totalMs: number
  /** Active VUs. */
  vus: number
  /** Requests per second since the previous snapshot. */
  rps: number
  /** p95 of http_req_duration since the start, in ms. */
  p95Ms: number
  /** Share of failed requests since the start (0–1). */
  errorRate: number
  /** Completed iterations since the start. */
  iterations: number
}

/** Builds successive snapshots; each one's `rps` covers the time since the previous call. */
export class ProgressMeter {
  readonly #ctx: RunContext
  readonly #metrics: MetricsRegistry
  readonly #totalMs: number
  #lastAtMs = 0
  #lastReqs = 0

  constructor (ctx: RunContext, totalMs: number) {
    this.#ctx = ctx
    this.#metrics = ctx.metrics
    this.#totalMs = totalMs
  }

  snapshot (): RunProgress {
    const elapsedMs = this.#ctx.elapsedMs()
    const reqs = this.#metrics.httpReqs.count
    const spanMs = elapsedMs - this.#lastAtMs
    const rps = spanMs > 0 ? ((reqs - this.#lastReqs) * 1000) / spanMs : 0
    this.#lastAtMs = elapsedMs
    this.#lastReqs = reqs
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
