import type { FastifyBaseLogger } from 'fastify'
import type { Run } from '@loadfleet/api'
import type { Store } from '../db/store.js'

/**
 * What follows a newly judged run: its site's changes are re-detected, then the run-judged listeners hear of it.
 * Failures here are logged, never returned: the result itself is already stored.
 */
export async function afterRunJudged (store: Store, run: Run, log: FastifyBaseLogger): Promise<void> {
  // An aborted run was stopped on purpose: it says nothing of the site, so no regression check and no alert.
  if (run.status === 'aborted') return
  try {
    await store.trackChanges(run.targetId)
  } catch (err) {
    log.error({ err, runId: run.id, targetId: run.targetId }, 'change detection failed')
  }
  await store.runJudged.emit({ targetId: run.targetId, runId: run.id, status: run.status }, (err) => {
    log.error({ err, runId: run.id }, 'a run-judged listener failed')
  })
}
