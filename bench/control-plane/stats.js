/** Percentiles of latencies in ms (nearest-rank), for the report. */
export function summarize (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  const round = (v) => v === null ? null : Math.round(v * 100) / 100
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? null),
  }
}
