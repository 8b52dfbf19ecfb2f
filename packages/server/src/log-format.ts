/** Where a log line goes: pino writes one JSON line per call. */
export interface LogDestination {
  write (line: string): void
}

const PINO_LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
// pino's own fields, shown as the line's time, level and message rather than as key=value pairs.
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v'])

/** A field value as one short token: strings bare unless they hold spaces, objects as compact JSON. */
function token (value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value
  if (value instanceof Object && 'message' in value && typeof value.message === 'string') return JSON.stringify(value.message)
  return JSON.stringify(value) ?? String(value)
}

/** One pino JSON line as a person reads it: `12:03:04 WARN  message key=value …` (errors by their message). */
export function prettyLogLine (json: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '--:--:--'
  const level = (PINO_LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5)
  const fields = Object.entries(entry).filter(([key]) => !OWN_FIELDS.has(key)).map(([key, value]) => `${key}=${token(value)}`)
  return `${time} ${level} ${typeof entry.msg === 'string' ? entry.msg : ''}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`
}

/** A destination that turns pino's JSON lines into readable ones before writing them to `out`. */
export function prettyDestination (out: LogDestination): LogDestination {
  return { write: (line) => { out.write(prettyLogLine(line)) } }
}
