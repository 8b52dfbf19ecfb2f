/**
 * A launcher (npm start, npx) forwards the terminal's Ctrl-C to its child, which the terminal has already
 * signalled: one key press arrives twice within milliseconds. A repeat inside this window is that copy, not a
 * second press.
 */
const REPEAT_WINDOW_MS = 1_000

/**
 * Calls `first` on the first SIGINT or SIGTERM and `again` on a later one (a user pressing Ctrl-C a second time
 * to leave at once). Returns the function that removes the handlers.
 */
export function onStopSignals (first: (signal: NodeJS.Signals) => void, again: (signal: NodeJS.Signals) => void):
() => void {
  let firstAt: number | undefined
  const handle = (signal: NodeJS.Signals): void => {
    const now = performance.now()
    if (firstAt === undefined) {
      firstAt = now
      first(signal)
    } else if (now - firstAt > REPEAT_WINDOW_MS) {
      again(signal)
    }
  }
  process.on('SIGINT', handle)
  process.on('SIGTERM', handle)
  return () => {
    process.off('SIGINT', handle)
    process.off('SIGTERM', handle)
  }
}
