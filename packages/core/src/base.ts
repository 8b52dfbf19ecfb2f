/**
 * The parts of core with no heavy dependencies (no zod, no yaml): errors, diagnostics, durations, exit codes and
 * the result and spec types. Long-lived processes that never parse test files import this entry.
 */
export * from './errors.js'
export * from './diagnostic.js'
export * from './duration.js'
export * from './run-result.js'
export * from './exit-codes.js'
export type * from './test-spec.js'
export type * from './browser-check/types.js'
export * from './browser-check/web-vitals.js'
export * from './browser-check/devices.js'
export * from './browser-check/check-options.js'
export * from './browser-check/describe-step.js'
export * from './execution-segment/index.js'
