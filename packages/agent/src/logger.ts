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

/** `json` for log collectors, `pretty` for a person at a terminal. */
export type LogFormat = 'json' | 'pretty'

/** LOG_FORMAT when set to a known format, else pretty on a terminal and JSON anywhere else. */
export function logFormatOf (env: Record<string, string | undefined>, isTTY: boolean): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase()
  if (asked === 'json' || asked === 'pretty') return asked
  return isTTY ? 'pretty' : 'json'
}

/** A field value as one token, URLs masked: bare unless it holds spaces, quotes or is not a string. */
function token (value: unknown): string {
  const masked = typeof value === 'string' ? maskUrlsIn(value) : value
  const bare = typeof masked === 'string' && masked !== '' && !/[\s"=]/.test(masked)
  return bare ? masked : JSON.stringify(masked, maskStrings) ?? String(masked)
}

/** Options of `createLogger`. */
export interface LoggerOptions { minLevel?: LogLevel, write?: (line: string) => void, format?: LogFormat }

/**
 * Writes lines to a stream (stderr by default), dropping those below `minLevel`: JSON or `12:03:04 INFO  event`.
 * Any URL in a field is masked (`http://***@host/?token=***`).
 */
export function createLogger (options: LoggerOptions = {}): Logger {
  const min = LEVEL_RANK[options.minLevel ?? 'info']
  const write = options.write ?? ((line: string) => { process.stderr.write(line) })
  const pretty = options.format === 'pretty'
  return {
    log (level, event, fields = {}) {
      if (LEVEL_RANK[level] < min) return
      if (!pretty) {
        write(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields }, maskStrings) + '\n')
        return
      }
      const pairs = Object.entries(fields).map(([key, value]) => ` ${key}=${token(value)}`).join('')
      write(`${new Date().toTimeString().slice(0, 8)} ${level.toUpperCase().padEnd(5)} ${event}${pairs}\n`)
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
