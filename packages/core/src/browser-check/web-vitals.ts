/** The Web Vitals a browser check reports; TBT is the lab stand-in for INP, which needs real user input. */
export type WebVital = 'lcp' | 'cls' | 'fcp' | 'ttfb' | 'tbt'

/** Google's rating of one value. */
export type VitalRating = 'good' | 'needs-improvement' | 'poor'

/**
 * Google's published boundaries (web.dev/articles/vitals, Lighthouse for TBT): a value up to `good` is good, above
 * `poor` is poor, in between needs improvement. Times in ms, CLS unitless.
 */
export const WEB_VITAL_THRESHOLDS: Readonly<Record<WebVital, { good: number, poor: number }>> = {
  lcp: { good: 2500, poor: 4000 },
  cls: { good: 0.1, poor: 0.25 },
  fcp: { good: 1800, poor: 3000 },
  ttfb: { good: 800, poor: 1800 },
  tbt: { good: 200, poor: 600 },
}

/** Rates a value of a vital with Google's thresholds. */
export function rateVital (vital: WebVital, value: number): VitalRating {
  const { good, poor } = WEB_VITAL_THRESHOLDS[vital]
  if (value <= good) return 'good'
  return value <= poor ? 'needs-improvement' : 'poor'
}
