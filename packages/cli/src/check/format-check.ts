import type { BrowserCheckResult, VitalValue, WebVital } from '@loadfleet/core/base'

const LABEL_WIDTH = 12
const VITAL_ORDER: WebVital[] = ['lcp', 'cls', 'fcp', 'ttfb', 'tbt']
const MARK = { passed: '✓', failed: '✗', skipped: '-' } as const

/** A check's figures as a table for people: one labelled line per subject, details indented below. */
export function formatCheckResult (r: BrowserCheckResult, screenshotFile: string | null): string {
  const lines: string[] = []
  const row = (label: string, text: string): void => { lines.push(`${label.padEnd(LABEL_WIDTH)}${text}`) }
  const detail = (text: string): void => { lines.push(`${' '.repeat(LABEL_WIDTH + 2)}${text}`) }
  const verdict = r.status === 'passed' ? '✓ passed' : r.status === 'failed' ? '✗ failed' : '✗ error'
  lines.push(`${verdict}  ${r.url}  (${r.httpStatus ?? 'no response'}, ${ms(r.durationMs)}, ${r.device} ${r.viewport.width}×${r.viewport.height})`)
  if (r.reason !== null) lines.push(`  ${r.reason}`)
  lines.push('')
  const n = r.navigation
  if (n !== null) {
    row('navigation', `DNS ${ms(n.dnsMs)} · connect ${ms(n.connectMs)} · TLS ${ms(n.tlsMs)} · TTFB ${ms(n.ttfbMs)} · ` +
      `DOMContentLoaded ${ms(n.domContentLoadedMs)} · load ${ms(n.loadMs)}`)
  }
  const vitals = VITAL_ORDER.flatMap((v) => r.vitals[v] === undefined ? [] : [vital(v, r.vitals[v])])
  if (vitals.length > 0) row('web vitals', vitals.join(' · '))
  if (r.lcpElement !== null) detail(`LCP element: ${r.lcpElement}`)
  const res = r.resources
  if (res.count > 0) {
    const failed = Object.entries(res.failedByStatus).map(([k, count]) => `${k} ×${count}`).join(', ')
    row('resources', `${plural(res.count, 'request')} · ${bytes(res.bytes)} · third-party ${Math.round(res.thirdPartyShare * 100)} % ` +
      `(${res.thirdPartyCount} requests)${failed === '' ? '' : ` · failed: ${failed}`}`)
    for (const s of res.slowest.slice(0, 3)) detail(`${ms(s.durationMs).padStart(8)}  ${s.type.padEnd(10)} ${s.url}`)
  }
  if (r.tls !== null) {
    row('TLS', `${r.tls.protocol} · ${r.tls.cipher} · issuer ${r.tls.issuer} · expires ${r.tls.validToAt.slice(0, 10)} ` +
      `(in ${r.tls.daysUntilExpiry} days)`)
  }
  const problems = r.consoleErrors.length + r.pageErrors.length
  row('console', problems === 0
    ? 'no errors'
    : `${plural(r.consoleErrors.length, 'error')}, ${plural(r.pageErrors.length, 'uncaught exception')}`)
  for (const e of r.pageErrors.slice(0, 5)) detail(`uncaught: ${e}`)
  for (const e of r.consoleErrors.slice(0, 5)) detail(`error: ${e}`)
  for (const [i, s] of r.steps.entries()) row(i === 0 ? 'steps' : '', `${MARK[s.status]} ${s.description} (${ms(s.durationMs)})`)
  if (screenshotFile !== null) row('screenshot', screenshotFile)
  return lines.join('\n') + '\n'
}

function plural (count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function vital (name: WebVital, v: VitalValue | undefined): string {
  if (v === undefined) return ''
  return `${name.toUpperCase()} ${name === 'cls' ? v.value : ms(v.value)} ${v.rating}`
}

function ms (value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`
}

function bytes (n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB`
  return n >= 1000 ? `${(n / 1000).toFixed(1)} kB` : `${n} B`
}
