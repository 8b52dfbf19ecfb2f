/**
 * Process exit codes, the same numbers k6 uses so CI scripts written for `k6 run` keep working.
 */
export const EXIT_CODES = {
  ok: 0,
  /** The run finished, but at least one threshold was crossed. */
  thresholdsFailed: 99,
  /** The run could not be carried out (engine failure, k6 crashed, target unusable). */
  runError: 103,
  /** Bad input: unknown option, bad duration, malformed file, non-http URL. */
  invalidInput: 104,
  /** Interrupted by a signal (Ctrl-C) before finishing. */
  externalAbort: 105,
  /** A k6 script could not be compiled, imports what cannot run, or threw in its init code or setup(). */
  scriptError: 107,
  /** A k6 script called `test.abort()`. */
  scriptAborted: 108,
} as const
