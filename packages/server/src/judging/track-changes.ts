import type { Store } from '../db/store.js'

/** Re-detects a target's changes from its recent runs and records them; filled in with the detector. */
export async function trackChanges (_store: Store, _targetId: string): Promise<void> {
  await Promise.resolve()
}
