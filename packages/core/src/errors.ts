/** Base class of every failure Loadfleet throws on purpose: a stable code, an HTTP status and typed details. */
export class LfError<D = unknown> extends Error {
  readonly code: `LF_${string}`
  readonly statusCode: number
  readonly details: D

  constructor (code: `LF_${string}`, statusCode: number, details: D, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LfError'
    this.code = code
    this.statusCode = statusCode
    this.details = details
  }
}

const registry = new Map<string, number>()

/** Declares an error code once; the returned class builds its message from typed details. */
export function defineError<D> (code: `LF_${string}`, statusCode: number, message: (d: D) => string) {
  if (registry.has(code)) throw new Error(`error code ${code} is defined twice`)
  registry.set(code, statusCode)
  return class extends LfError<D> {
    static readonly code = code
    constructor (details: D, options?: ErrorOptions) {
      super(code, statusCode, details, message(details), options)
    }
  }
}

/** Every registered error code with its HTTP status; docs/errors.md must list exactly these. */
export function registeredErrorCodes (): ReadonlyMap<string, number> {
  return registry
}

/** True for errors carrying an `LF_*` code, including ones rebuilt from an API response. */
export function isLfError (err: unknown): err is LfError {
  return err instanceof LfError
}
