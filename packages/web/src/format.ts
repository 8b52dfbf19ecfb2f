const numberFormat = new Intl.NumberFormat('en-US')
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' })
// One convention for every time the dashboard shows: 24 h, in the browser's time zone, with the zone named
// ("Dec 2, 14:03:07 UTC", "Dec 2, 15:03:07 GMT+1").
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  timeZoneName: 'short',
})
const clockFormat = new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' })

/** The browser's time zone as the dashboard prints it: "UTC", "EST", "GMT+1". */
export const TIME_ZONE = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date())
  .find((part) => part.type === 'timeZoneName')?.value ?? 'local time'

export const DASH = '—'

/** 1234 → "1,234". */
export function formatCount (value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : numberFormat.format(value)
}

/** Milliseconds with precision that suits the magnitude: "0.42 ms", "12.3 ms", "245 ms", "1.24 s". */
export function formatMs (value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`
  if (value >= 100) return `${Math.round(value)} ms`
  if (value >= 10) return `${value.toFixed(1)} ms`
  return `${value.toFixed(2)} ms`
}

/** A 0..1 rate as a percentage: 0.0512 → "5.12%". */
export function formatPercent (rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return DASH
  const percent = rate * 100
  if (percent === 0) return '0%'
  return `${percent < 10 ? percent.toFixed(2) : percent.toFixed(1)}%`
}

export function formatRate (value: number | null | undefined, unit = '/s'): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH
  return `${value >= 100 ? numberFormat.format(Math.round(value)) : value.toFixed(1)}${unit}`
}

export function formatBytes (bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return DASH
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit] ?? 'B'}`
}

/** 60000 → "1 min", 90000 → "1.5 min", 5000 → "5 s". */
export function formatInterval (ms: number): string {
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)} min`
  return `${+(ms / 3_600_000).toFixed(1)} h`
}

/** An ISO time or epoch ms → "Dec 2, 14:03:07 UTC" (24 h, the browser's zone, named). */
export function formatDateTime (time: string | number | null | undefined): string {
  if (time === null || time === undefined) return DASH
  const date = new Date(time)
  return Number.isNaN(date.getTime()) ? String(time) : dateTimeFormat.format(date)
}

/** A chart tick (epoch ms): "14:05" within a day, the date at midnight or when ticks are days apart. */
export function formatTick (epochMs: number, tickSpacingMs: number): string {
  const date = new Date(epochMs)
  const midnight = date.getHours() === 0 && date.getMinutes() === 0
  return tickSpacingMs >= 86_400_000 || midnight ? dayFormat.format(date) : clockFormat.format(date)
}

/** "just now", "12 sec. ago", "3 min. ago" relative to `now` (epoch ms). */
export function formatRelative (iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return DASH
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000)
  if (Number.isNaN(seconds)) return iso
  const abs = Math.abs(seconds)
  if (abs < 5) return 'just now'
  if (abs < 60) return relativeFormat.format(seconds, 'second')
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute')
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour')
  return relativeFormat.format(Math.round(seconds / 86_400), 'day')
}

/** Fail rates above this are shown in red, as in the operations guide. */
export const FAIL_RATE_ALERT = 0.05
