import { rateVital, type NavigationTiming, type VitalValue, type WebVital } from '@loadfleet/core/base'
import type { PageVitals } from './vitals-script.js'

// A long task blocks input for its time beyond 50 ms (the RAIL budget TBT is defined on).
const LONG_TASK_BUDGET_MS = 50

/** The navigation phases of a PerformanceNavigationTiming entry, in ms (durations for DNS, connect and TLS). */
export function navigationTimingOf (entry: Record<string, number | string> | null): NavigationTiming | null {
  if (entry === null) return null
  const n = (key: string): number => {
    const v = entry[key]
    return typeof v === 'number' && Number.isFinite(v) ? v : 0
  }
  const secureStart = n('secureConnectionStart')
  return {
    dnsMs: round(n('domainLookupEnd') - n('domainLookupStart')),
    connectMs: round(n('connectEnd') - n('connectStart')),
    tlsMs: secureStart > 0 ? round(n('connectEnd') - secureStart) : 0,
    ttfbMs: round(n('responseStart')),
    domContentLoadedMs: round(n('domContentLoadedEventEnd')),
    loadMs: round(n('loadEventEnd')),
  }
}

/** Each measured vital with its rating; a vital the page never produced (no contentful paint) is left out. */
export function vitalsOf (page: PageVitals, navigation: NavigationTiming | null):
Partial<Record<WebVital, VitalValue>> {
  const vitals: Partial<Record<WebVital, VitalValue>> = {}
  const put = (vital: WebVital, value: number | null): void => {
    if (value === null || !Number.isFinite(value)) return
    const rounded = vital === 'cls' ? Math.round(value * 10_000) / 10_000 : round(value)
    vitals[vital] = { value: rounded, rating: rateVital(vital, rounded) }
  }
  put('lcp', page.lcp)
  put('cls', page.cls)
  put('fcp', page.fcp)
  put('ttfb', navigation === null ? null : navigation.ttfbMs)
  if (page.fcp !== null) put('tbt', totalBlockingTimeMs(page.longTasks, page.fcp))
  return vitals
}

/** Sum of each long task's time beyond 50 ms, for the part of it after FCP. */
export function totalBlockingTimeMs (longTasks: ReadonlyArray<readonly [number, number]>, fcpMs: number): number {
  let total = 0
  for (const [start, duration] of longTasks) {
    const end = start + duration
    if (end <= fcpMs) continue
    const counted = end - Math.max(start, fcpMs)
    total += Math.max(0, counted - LONG_TASK_BUDGET_MS)
  }
  return total
}

function round (ms: number): number {
  return Math.round(ms * 10) / 10
}
