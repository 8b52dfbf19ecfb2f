/**
 * Installed in every document before its own scripts run (context.addInitScript), so the observers see the page
 * from its first paint. Plain JavaScript source: it runs in the page, not in Node.
 *
 * - LCP: the last `largest-contentful-paint` entry (Chromium stops emitting them at the first input).
 * - CLS: as web-vitals computes it — layout shifts without recent input grouped into session windows (gaps under
 *   1 s, at most 5 s long), the largest window's sum.
 * - FCP: the `first-contentful-paint` paint entry. TTFB comes from the navigation entry when read.
 * - TBT: the lab stand-in for INP — every long task's time beyond 50 ms, counted from FCP until the read.
 */
export const VITALS_INIT_SCRIPT = `(() => {
  if (window.__loadfleetVitals) return
  const state = { lcp: null, lcpElement: null, cls: 0, fcp: null, longTasks: [] }
  Object.defineProperty(window, '__loadfleetVitals', { value: state, enumerable: false })
  const describe = (el) => {
    if (!el || !el.tagName) return null
    let text = el.tagName.toLowerCase()
    if (el.id) return text + '#' + el.id
    const classes = Array.from(el.classList || []).slice(0, 2)
    return classes.length > 0 ? text + '.' + classes.join('.') : text
  }
  const observe = (type, onEntry) => {
    try {
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) onEntry(entry) })
        .observe({ type, buffered: true })
    } catch (e) { /* an entry type this Chromium lacks leaves its vital unmeasured */ }
  }
  observe('largest-contentful-paint', (e) => { state.lcp = e.startTime; state.lcpElement = describe(e.element) })
  let windowValue = 0
  let windowStart = 0
  let lastShift = 0
  observe('layout-shift', (e) => {
    if (e.hadRecentInput) return
    if (windowValue > 0 && e.startTime - lastShift < 1000 && e.startTime - windowStart < 5000) {
      windowValue += e.value
    } else {
      windowValue = e.value
      windowStart = e.startTime
    }
    lastShift = e.startTime
    state.cls = Math.max(state.cls, windowValue)
  })
  observe('paint', (e) => { if (e.name === 'first-contentful-paint') state.fcp = e.startTime })
  observe('longtask', (e) => { state.longTasks.push([e.startTime, e.duration]) })
})()`

/** Evaluated in the page after load: what the observers saw, plus the navigation entry. */
export const READ_VITALS_EXPRESSION = `(() => {
  const s = window.__loadfleetVitals || { lcp: null, lcpElement: null, cls: 0, fcp: null, longTasks: [] }
  const nav = performance.getEntriesByType('navigation')[0]
  return {
    lcp: s.lcp, lcpElement: s.lcpElement, cls: s.cls, fcp: s.fcp, longTasks: s.longTasks.slice(0, 1000),
    navigation: nav ? nav.toJSON() : null,
  }
})()`

/** What READ_VITALS_EXPRESSION answers. */
export interface PageVitals {
  lcp: number | null
  lcpElement: string | null
  cls: number
  fcp: number | null
  /** [startTime, duration] in ms. */
  longTasks: Array<[number, number]>
  navigation: Record<string, number | string> | null
}
