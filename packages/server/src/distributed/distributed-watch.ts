import type { Logger } from '../logger.js'
import type { DistributedRuns } from './distributed-runs.js'

/** How often waiting and running distributed runs are checked for missed deadlines and lost parts. */
const WATCH_INTERVAL_MS = 2000

/**
 * Ends distributed runs that can no longer finish (see `DistributedRuns.expire`) on a timer, so a run whose agents
 * all died still ends, even when nobody asks about it. Each pass is idempotent, so replicas may all run it.
 */
export function watchDistributedRuns (runs: DistributedRuns, log: Logger): { stop: () => Promise<void> } {
  let pass: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    pass = runs.expire().then((ended) => {
      if (ended > 0) log.warn({ ended }, 'distributed runs ended as error')
    }, (err: unknown) => { log.error({ err }, 'distributed run check failed') })
  }, WATCH_INTERVAL_MS)
  timer.unref()
  return {
    stop: async () => {
      clearInterval(timer)
      await pass
    },
  }
}
