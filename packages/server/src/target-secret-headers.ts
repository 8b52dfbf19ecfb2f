import type { Store } from './db/store.js'
import type { SecretBox } from './secret-box.js'

/** A target's secret headers as stored: each value sealed, with when it was last set (epoch ms). */
export type StoredSecretHeaders = Record<string, { value: string, changedAt: number }>

export function parseStoredSecretHeaders (json: string): StoredSecretHeaders {
  const parsed = JSON.parse(json) as unknown
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as StoredSecretHeaders : {}
}

/** The names and change times read APIs show, never a value. */
export function secretHeadersShown (json: string): { names: string[], changedAt: Record<string, string> } {
  const stored = parseStoredSecretHeaders(json)
  const names = Object.keys(stored)
  const changedAt = Object.fromEntries(names.map((name) =>
    [name, new Date(Number(stored[name]?.changedAt)).toISOString()]))
  return { names, changedAt }
}

/** Seals new values over the stored ones: a value sets or replaces its header, null removes it. */
export function patchSecretHeaders (options: {
  box: SecretBox, stored: StoredSecretHeaders, patch: Record<string, string | null>, now: number
}): { stored: StoredSecretHeaders, set: string[], removed: string[] } {
  const { box, patch, now } = options
  const stored = { ...options.stored }
  const set: string[] = []
  const removed: string[] = []
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) {
      if (name in stored) removed.push(name)
      delete stored[name]
    } else {
      stored[name] = { value: box.seal(value), changedAt: now }
      set.push(name)
    }
  }
  return { stored, set, removed }
}

/** The plaintext values an agent needs; a value sealed with a key this control plane lacks is named instead. */
export function openSecretHeaders (box: SecretBox, json: string):
{ values: Record<string, string>, unreadable: string[] } {
  const values: Record<string, string> = {}
  const unreadable: string[] = []
  for (const [name, { value }] of Object.entries(parseStoredSecretHeaders(json))) {
    try {
      values[name] = box.open(value)
    } catch {
      unreadable.push(name)
    }
  }
  return { values, unreadable }
}

/**
 * Seals target secret headers sealed with a key being rotated out (see resealChannelSecrets); run at start. A target
 * with a value sealed under a key this control plane lacks is left as it is and counted.
 */
export async function resealTargetSecrets (store: Store): Promise<{ resealed: number, unreadable: number }> {
  return await store.transaction(async (_repos, trx) => {
    const box = store.secrets
    const rows = await trx.selectFrom('targets').select(['id', 'secret_headers_json'])
      .where('secret_headers_json', '!=', '{}').execute()
    const counts = { resealed: 0, unreadable: 0 }
    for (const row of rows) {
      const stored = parseStoredSecretHeaders(row.secret_headers_json)
      if (!Object.values(stored).some(({ value }) => box.needsResealing(value))) continue
      let next: StoredSecretHeaders
      try {
        next = Object.fromEntries(Object.entries(stored).map(([name, { value, changedAt }]) =>
          [name, { value: box.seal(box.open(value)), changedAt }]))
      } catch {
        counts.unreadable++
        continue
      }
      await trx.updateTable('targets').set({ secret_headers_json: JSON.stringify(next) }).where('id', '=', row.id).execute()
      counts.resealed++
    }
    return counts
  })
}
