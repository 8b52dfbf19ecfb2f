/** What a detected change is about: a latency figure, the latency distribution, a failure count or throughput. */
export type ChangeMetric = 'p50' | 'p95' | 'p99' | 'latency_distribution' | 'error_rate' | 'status_5xx' | 'status_4xx'
  | 'error_timeout' | 'error_refused' | 'error_reset' | 'error_dns' | 'error_tls' | 'throughput'

/** Every metric the detector judges, in the order changes are reported. */
export const CHANGE_METRICS: readonly ChangeMetric[] = ['p50', 'p95', 'p99', 'latency_distribution', 'error_rate',
  'status_5xx', 'status_4xx', 'error_timeout', 'error_refused', 'error_reset', 'error_dns', 'error_tls', 'throughput']

/** One finished run of a site, reduced to what regression detection needs. */
export interface RunSample {
  runId: string
  /** finishedAt, epoch ms. */
  at: number
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  /** http_req_duration HdrHistogram, compressed base64, µs (the engine's `Trend.encode()`). */
  latencyHistogram: string | null
  /** http_reqs count. */
  requests: number
  /** http_req_failed passes (requests that failed). */
  failedRequests: number
  /** '200' → n; '500' → n. */
  statusCounts: Record<string, number>
  /** 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'other' → n. */
  errorKinds: Record<string, number>
  rps: number | null
}

/** A shift of one metric between a site's baseline and its newest runs, with everything needed to explain it. */
export interface DetectedChange {
  metric: ChangeMetric
  /** Worse = increase for latency and failures, decrease for throughput. */
  direction: 'increase' | 'decrease'
  /** True when the change is for the worse (always, unless `DetectOptions.improvements` is on). */
  regression: boolean
  /** The first run after the change point. */
  startedRunId: string
  startedAt: number
  /** Median and 95th percentile of the metric's per-run values over the baseline runs. */
  baseline: { median: number, p95: number }
  /** The same over the runs since the change point. */
  recent: { median: number, p95: number }
  /** recent.median / baseline.median − 1 (rates: pooled rate ratio − 1); e.g. 0.52 = +52 %. */
  relativeChange: number
  /** e.g. Cliff's delta (per-run values) or the rate ratio (counts). */
  effectSize: { name: string, value: number }
  /** e.g. Mann-Whitney U as z, or the count of failures since the change. */
  statistic: { name: string, value: number }
  pValue: number
  /** Unit of the values in `baseline` and `recent`: 'ms', 'ratio' (0..1), 'req/s' or 'score'. */
  unit: string
  baselineRunIds: string[]
  recentRunIds: string[]
  /** One human sentence: "p95 rose from 20.1 ms to 118.7 ms (+490 %) …". */
  explanation: string
}

/** Thresholds of the detector. Every field has a default (`DEFAULT_DETECT_OPTIONS`), each chosen in the README. */
export interface DetectOptions {
  /** Runs considered (the newest, after `acceptedAt`): bounds the cost, and how long an unaccepted change shows. */
  maxRuns: number
  /** Most runs before a candidate change point used as its baseline. */
  maxBaselineRuns: number
  /** Most runs before a candidate change point used as the baseline of a failure count (rates need many requests). */
  maxCountBaselineRuns: number
  /** Fewest baseline runs with a value needed to judge anything. */
  minBaselineRuns: number
  /** Fewest runs after the change point: 2, so a single run (a spike) can never make a change. */
  minRecentRuns: number
  /** One-sided p-value a latency/throughput shift must reach (Mann-Whitney U over per-run values). */
  maxPValue: number
  /** One-sided p-value of the shift's size against the run-to-run noise (Student's t on the Hodges-Lehmann shift). */
  maxShiftPValue: number
  /** One-sided mid-p a failure-count increase of 2–3 runs must reach (conditional binomial test); 4–6 runs: half. */
  maxCountPValue: number
  /** Same test without the worst recent run (worst fifth), which must keep ≥ 3 events: one burst cannot carry it. */
  maxCountPValueWithoutWorstRun: number
  /** Smallest relative change of a latency figure worth reporting (0.1 = 10 %). */
  minLatencyChange: number
  /** Smallest relative throughput drop worth reporting. */
  minThroughputChange: number
  /** Smallest failure-rate increase worth reporting, as a ratio of rates (1 = the rate doubled). */
  minRateRatioChange: number
  /** Smallest absolute failure-rate increase worth reporting (0.002 = 0.2 percentage points). */
  minRateIncrease: number
  /** Per-run robust z a run must exceed to count as "changed" in the k-of-m confirmation. */
  minRunZ: number
  /** Fraction of runs since the change point that must each be "changed" (k of m), the newest always among them. */
  confirmFraction: number
  /** Floor of the run-to-run standard deviation of log latency/throughput (0.02 ≈ 2 % CV): near-constant series. */
  minLogSigma: number
  /** Smallest Cliff's delta of the latency distribution (recent requests vs. baseline requests) worth reporting. */
  minDistributionDelta: number
  /** Also report changes for the better. */
  improvements: boolean
}

/** Defaults; the reasons are in the README's "How regressions are detected, and why". */
export const DEFAULT_DETECT_OPTIONS: DetectOptions = {
  maxRuns: 60,
  maxBaselineRuns: 20,
  maxCountBaselineRuns: 40,
  minBaselineRuns: 10,
  minRecentRuns: 2,
  maxPValue: 0.01,
  maxShiftPValue: 1e-4,
  maxCountPValue: 0.001,
  maxCountPValueWithoutWorstRun: 0.05,
  minLatencyChange: 0.1,
  minThroughputChange: 0.1,
  minRateRatioChange: 1,
  minRateIncrease: 0.002,
  minRunZ: 3,
  confirmFraction: 0.6,
  minLogSigma: 0.02,
  minDistributionDelta: 0.2,
  improvements: false,
}

/** A run page's comparison of one metric with the baseline. */
export interface BaselineComparison {
  metric: ChangeMetric
  baseline: { median: number, p95: number }
  value: number
  relativeChange: number
}
