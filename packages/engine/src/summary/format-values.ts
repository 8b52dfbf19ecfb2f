/** Number formats of k6's end-of-test summary, so the two read the same. */

/**
 * Two decimals, truncated (k6 prints 19.8188 ms as "19.81ms", not "19.82ms"), trailing zeros dropped: 5.00 → "5".
 * The epsilon keeps binary fractions such as 0.29 × 100 = 28.999… from losing a digit.
 */
function trim2 (n: number): string {
  return (Math.floor(n * 100 + 1e-9) / 100).toFixed(2).replace(/\.?0+$/, '')
}

/** A time in ms as k6 prints it: "913ns", "784.05µs", "19.81ms", "1.5s", "1m30.25s", "0s". */
export function formatTimeMs (ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  const abs = Math.abs(ms)
  if (abs < 0.001) return `${sign}${Math.floor(abs * 1e6 + 1e-9)}ns`
  if (abs < 1) return `${sign}${trim2(abs * 1000)}µs`
  if (abs < 1000) return `${sign}${trim2(abs)}ms`
  if (abs < 60_000) return `${sign}${trim2(abs / 1000)}s`
  const hours = Math.floor(abs / 3_600_000)
  const minutes = Math.floor((abs % 3_600_000) / 60_000)
  const seconds = (abs % 60_000) / 1000
  return `${sign}${hours > 0 ? `${hours}h` : ''}${minutes}m${trim2(seconds)}s`
}

const SI_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']

/** Bytes in SI units as k6 (go-humanize) prints them: "8.7 kB", "42 MB", "5 B". */
export function formatBytes (bytes: number): string {
  if (bytes < 10) return `${Math.round(bytes)} B`
  const exp = Math.min(Math.floor(Math.log10(bytes) / 3), SI_UNITS.length - 1)
  const value = bytes / 1000 ** exp
  // go-humanize keeps one decimal below 10 and none above.
  const text = value < 10 ? value.toFixed(1) : value.toFixed(0)
  return `${text} ${SI_UNITS[exp] ?? 'B'}`
}

/** A share as "0.00%" / "50.00%". */
export function formatPercent (fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`
}

/** A per-second rate as k6 prints counters: "12161.529377/s". */
export function formatPerSecond (rate: number): string {
  return `${rate.toFixed(6)}/s`
}

/** A plain number: integers as they are, fractions with up to 6 decimals. */
export function formatNumber (n: number): string {
  return Number.isInteger(n) ? String(n) : trim6(n)
}

function trim6 (n: number): string {
  return n.toFixed(6).replace(/\.?0+$/, '')
}
