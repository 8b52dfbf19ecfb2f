import type { ErrorKind } from '../run-result.js'

/** Response counts read from k6's `--out json` stream, which the summary formats lack. */
export interface K6ResponseCounts {
  /** Responses per HTTP status ("200"); transport failures (k6's status 0) are in `errorKinds`. */
  statusCodes: Record<string, number>
  errorKinds: Partial<Record<ErrorKind, number>>
  requests: number
}

/**
 * k6's `error_code` tag (https://grafana.com/docs/k6/latest/javascript-api/error-codes/) as our error kinds.
 * Codes 1400–1599 stand for HTTP statuses, already counted by status.
 */
export function errorKindOfK6Code (code: number): ErrorKind | undefined {
  if (code >= 1400 && code < 1600) return undefined
  if (code === 1050 || code === 1211) return 'timeout'
  if (code >= 1100 && code < 1200) return 'dns'
  if (code === 1212) return 'refused'
  if (code === 1220) return 'reset'
  if (code >= 1300 && code < 1400) return 'tls'
  return 'other'
}

type K6JsonLine = { metric?: string, type?: string, data?: { value?: number, tags?: Record<string, string> } }

/** Empty counts, to be filled line by line with `addK6JsonLine` while k6's output streams in. */
export function emptyK6ResponseCounts (): K6ResponseCounts {
  return { statusCodes: {}, errorKinds: {}, requests: 0 }
}

/** Adds one line of a `--out json` stream to the counts; only `http_reqs` points count. */
export function addK6JsonLine (counts: K6ResponseCounts, line: string): void {
  // Cheap pre-filter: most points are other metrics, and parsing each costs more than the test.
  if (!line.includes('"http_reqs"') || !line.includes('"Point"')) return
  let point: K6JsonLine
  try {
    point = JSON.parse(line) as K6JsonLine
  } catch {
    return // a line cut short when k6 was killed
  }
  if (point.metric !== 'http_reqs' || point.type !== 'Point') return
  addPoint(counts, point.data?.value ?? 1, point.data?.tags ?? {})
}

/** Counts `http_reqs` points of a `--out json` stream (one JSON object per line) by status and error kind. */
export function parseK6JsonOutput (lines: Iterable<string>): K6ResponseCounts {
  const counts = emptyK6ResponseCounts()
  for (const line of lines) addK6JsonLine(counts, line)
  return counts
}

function addPoint (counts: K6ResponseCounts, n: number, tags: Record<string, string>): void {
  counts.requests += n
  const status = tags.status ?? '0'
  if (status !== '0') {
    counts.statusCodes[status] = (counts.statusCodes[status] ?? 0) + n
    return
  }
  const kind = errorKindOfK6Code(Number(tags.error_code ?? 1000)) ?? 'other'
  counts.errorKinds[kind] = (counts.errorKinds[kind] ?? 0) + n
}
