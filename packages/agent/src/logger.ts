import { maskUrlsIn } from '@loadfleet/api/client'

/** Severity of an agent log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One line per event, JSON so `docker logs`/`kubectl logs` can be filtered; callers never pass secrets. */
export interface Logger {
  log (level: LogLevel, event: string, fields?: Record<string, unknown>): void
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

// Target URLs may carry credentials (user info, ?api_key=…): every URL in a log line is masked.
const maskStrings = (_key: string, value: unknown): unknown => (typeof value === 'string' ? maskUrlsIn(value) : value)

/**
 * Writes JSON lines to a stream (stderr by default), dropping lines below `minLevel`. Any URL in a field is masked
 * (`http://***@host/?token=***`).
 */
export function createLogger (options: { minLevel?: LogLevel, write?: (line: string) => void } = {}): Logger {
  const min = LEVEL_RANK[options.minLevel ?? 'info']
  const write = options.write ?? ((line: string) => { process.stderr.write(line) })
  return {
    log (level, event, fields = {}) {
      if (LEVEL_RANK[level] < min) return
      write(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields }, maskStrings) + '\n')
    },
  }
}

/** The message of anything thrown, for a log field (never the stack: one line per event). */
export function errorText (err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
    return `${err.message}${cause}`
  }
  return String(err)
}
