// Checks of a target's request headers, shared by the server's schemas and the agent (which loads no zod).

/** Headers per target (plain and secret together): a site needs a handful; this bounds every request's size. */
export const TARGET_HEADERS_MAX = 32
export const HEADER_NAME_MAX_CHARS = 256
// Servers commonly refuse request headers past 8 KB in total; a single value longer than that never works.
export const HEADER_VALUE_MAX_CHARS = 8192

/** An RFC 7230 `token`: the only characters a header field name may have. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// CR and LF would split the request (header injection); NUL and the other controls are refused by servers.
// HTAB is allowed, as RFC 7230 allows it inside a field value.
const FORBIDDEN_IN_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/

/** Headers the engine writes itself, from the request; a user value would contradict the one it sends. */
export const RESERVED_HEADER_NAMES: readonly string[] = ['content-length', 'transfer-encoding', 'connection']

/** A secret header's value may name where the agent reads it when a run starts instead of holding it. */
export const SECRET_REFERENCE_ENV = /^env:[A-Za-z_][A-Za-z0-9_]{0,127}$/
export const SECRET_REFERENCE_FILE = /^file:\/[^\0]{0,1023}$/

/** Why `name` cannot be a header name, or undefined when it can. */
export function headerNameProblem (name: string): string | undefined {
  if (name.length > HEADER_NAME_MAX_CHARS) return `expected a header name of at most ${HEADER_NAME_MAX_CHARS} characters`
  if (!TOKEN.test(name)) return 'expected a header name (an RFC 7230 token: letters, digits and !#$%&\'*+-.^_`|~)'
  if (RESERVED_HEADER_NAMES.includes(name.toLowerCase())) return `"${name}" is set by the load generator itself`
  return undefined
}

/** Why `value` cannot be a header value (never quoting it: it may be a secret), or undefined when it can. */
export function headerValueProblem (value: string): string | undefined {
  if (value.length > HEADER_VALUE_MAX_CHARS) return `expected a value of at most ${HEADER_VALUE_MAX_CHARS} characters`
  if (FORBIDDEN_IN_VALUE.test(value)) return 'expected a value without CR, LF, NUL or other control characters'
  return undefined
}

/** A secret header value: a literal, `env:NAME` or `file:/absolute/path`. */
export type SecretReference = { kind: 'literal', value: string } | { kind: 'env', name: string } | { kind: 'file', path: string }

/** How the agent obtains a secret header's value. A value starting `env:` or `file:` is always a reference. */
export function secretReferenceOf (value: string): SecretReference | undefined {
  if (value.startsWith('env:')) return SECRET_REFERENCE_ENV.test(value) ? { kind: 'env', name: value.slice(4) } : undefined
  if (value.startsWith('file:')) return SECRET_REFERENCE_FILE.test(value) ? { kind: 'file', path: value.slice(5) } : undefined
  return { kind: 'literal', value }
}

/** Why `value` cannot be a secret header's value, or undefined when it can. */
export function secretValueProblem (value: string): string | undefined {
  if (secretReferenceOf(value) === undefined) {
    return value.startsWith('env:')
      ? 'expected env:NAME with NAME of letters, digits and "_", not starting with a digit'
      : 'expected file: followed by an absolute path, e.g. file:/run/secrets/api-token'
  }
  return headerValueProblem(value)
}
