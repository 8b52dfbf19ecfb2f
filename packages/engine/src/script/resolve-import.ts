import { dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built-in modules a script may import, and the calls of each that wait (and so must be awaited). */
export const BUILTIN_MODULES: Readonly<Record<string, readonly string[]>> = {
  'k6': ['sleep', 'group'],
  'k6/http': ['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch'],
  'k6/metrics': [],
  'k6/execution': [],
  'k6/data': [],
  'k6/encoding': [],
  'k6/crypto': [],
  'jslib/k6-summary': [],
  'jslib/k6-utils': [],
}

/** The jslib modules served from built-in implementations instead of the network. */
const JSLIB_RE = /^https:\/\/jslib\.k6\.io\/(k6-summary|k6-utils)\/[\d.]+\/index\.js$/

/** What an import specifier refers to. */
export type ResolvedImport =
  | { kind: 'builtin', id: string }
  | { kind: 'file', path: string }
  | { kind: 'unsupported', message: string }

/** Resolves `specifier` as imported by the module at `fromFile`. */
export function resolveImport (specifier: string, fromFile: string): ResolvedImport {
  if (Object.hasOwn(BUILTIN_MODULES, specifier) && !specifier.startsWith('jslib/')) {
    return { kind: 'builtin', id: specifier }
  }
  const jslib = JSLIB_RE.exec(specifier)
  if (jslib !== null) return { kind: 'builtin', id: `jslib/${jslib[1] ?? ''}` }
  if (specifier.startsWith('file://')) return { kind: 'file', path: fileURLToPath(specifier) }
  if (specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier)) {
    return { kind: 'file', path: resolve(dirname(fromFile), specifier) }
  }
  if (specifier.startsWith('k6/') || specifier === 'k6') {
    return { kind: 'unsupported', message: `the module '${specifier}' is not supported by the built-in engine; ` +
      'run this script with --engine k6' }
  }
  if (/^https?:\/\//.test(specifier)) {
    return { kind: 'unsupported', message: `remote import '${specifier}' is not supported (only the jslib ` +
      'k6-summary and k6-utils modules are built in); download it and import it as a local file' }
  }
  return { kind: 'unsupported', message: `cannot import '${specifier}': only k6 modules, the jslib k6-summary and ` +
    'k6-utils modules and relative files (./lib.js) can be imported' }
}
