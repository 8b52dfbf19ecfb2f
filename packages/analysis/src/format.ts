/** Number formatting for explanations: a few significant figures, units as the dashboard shows them. */

/** 0.8 → "0.80", 20.14 → "20.1", 118.7 → "119", 1234 → "1,234". */
export function formatNumber (n: number): string {
  const a = Math.abs(n)
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** A value in its unit: "20.1 ms", "9.80 req/s", "0.52 %" (ratios as percentages), "0.31" (scores). */
export function formatValue (n: number, unit: string): string {
  if (unit === 'ratio') return `${formatPercent(n * 100)} %`
  if (unit === 'score') return formatNumber(n)
  return `${formatNumber(n)} ${unit}`
}

/** Percentages keep two significant decimals below 1 %: 0.1 % → "0.10", 0.523 % → "0.52", 12.3 % → "12.3". */
function formatPercent (p: number): string {
  const a = Math.abs(p)
  const digits = a === 0 ? 0 : a < 1 ? 2 : a < 10 ? 1 : 0
  return p.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** A relative change as a signed percentage: 0.52 → "+52 %", −0.48 → "−48 %". */
export function formatRelative (r: number): string {
  const pct = Math.round(r * 100)
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toLocaleString('en-US')} %`
}

/** p-values with two significant figures: 0.00031 → "3.1e-4", 0.012 → "0.012". */
export function formatP (p: number): string {
  if (p <= 0) return '< 1e-300'
  return p >= 0.001 ? p.toPrecision(2) : p.toExponential(1)
}
