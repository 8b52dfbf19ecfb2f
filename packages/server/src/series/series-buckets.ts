import type { SeriesBucket, SeriesSpread } from '@loadfleet/api'

/** The columns of one run that a chart bucket reads. */
export interface SeriesRunRow {
  startedAt: number
  status: string
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  errorRate: number | null
  rps: number | null
}

// Runs still going have no figures yet, and an aborted run was stopped on purpose: neither says how the site does.
const UNMEASURED_STATUSES: ReadonlySet<string> = new Set(['running', 'aborted'])
const FIGURES = ['p50Ms', 'p95Ms', 'p99Ms', 'errorRate', 'rps'] as const

/** Linear-interpolated quantile (type 7, as the analysis package and numpy) of ascending values. */
function quantileSorted (asc: readonly number[], q: number): number {
  const h = (asc.length - 1) * q
  const lo = Math.floor(h)
  const a = asc[lo] ?? 0
  const b = asc[Math.min(lo + 1, asc.length - 1)] ?? a
  return a + (h - lo) * (b - a)
}

function spreadOf (values: number[]): SeriesSpread {
  if (values.length === 0) return null
  values.sort((a, b) => a - b)
  return { median: quantileSorted(values, 0.5), p95: quantileSorted(values, 0.95) }
}

/**
 * Groups runs into buckets `[k·bucketMs, (k+1)·bucketMs)` aligned to the epoch, so a bucket keeps its runs from one
 * poll to the next, and gives each bucket the median and p95 of every figure over its measured runs. Rows may come
 * in any order; buckets come out oldest first, empty ones left out. One pass to group, one sort per figure and
 * bucket: 10,000 runs take a few milliseconds.
 */
export function bucketRuns (rows: readonly SeriesRunRow[], bucketMs: number): SeriesBucket[] {
  const groups = new Map<number, SeriesRunRow[]>()
  for (const row of rows) {
    const start = Math.floor(row.startedAt / bucketMs) * bucketMs
    const group = groups.get(start)
    if (group === undefined) groups.set(start, [row])
    else group.push(row)
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([start, group]) => {
    const statuses: Record<string, number> = {}
    const values: Record<typeof FIGURES[number], number[]> = { p50Ms: [], p95Ms: [], p99Ms: [], errorRate: [], rps: [] }
    let measured = 0
    for (const row of group) {
      statuses[row.status] = (statuses[row.status] ?? 0) + 1
      if (UNMEASURED_STATUSES.has(row.status)) continue
      let any = false
      for (const figure of FIGURES) {
        const value = row[figure]
        if (value !== null && Number.isFinite(value)) {
          values[figure].push(value)
          any = true
        }
      }
      if (any) measured += 1
    }
    return {
      t: new Date(start).toISOString(),
      runs: group.length,
      statuses,
      measured,
      p50Ms: spreadOf(values.p50Ms),
      p95Ms: spreadOf(values.p95Ms),
      p99Ms: spreadOf(values.p99Ms),
      errorRate: spreadOf(values.errorRate),
      rps: spreadOf(values.rps),
    }
  })
}
