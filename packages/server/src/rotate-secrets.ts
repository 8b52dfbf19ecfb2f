import { openDatabase } from './db/database.js'
import { Store } from './db/store.js'
import { resolveSettings, type ServerOptions } from './settings.js'
import { loadSecretBox } from './secret-box.js'
import { resealChannelSecrets } from './alerts/alerts-admin.js'
import { resealTargetSecrets } from './target-secret-headers.js'

/** What a rotation did: how many records now hold values sealed with the current key, and how many could not. */
export interface SecretRotation {
  /** The id of the key that seals everything now (stored beside each value). */
  keyId: string
  targets: { resealed: number, unreadable: number }
  channels: { resealed: number, unreadable: number }
}

/**
 * Re-encrypts every stored secret (target secret headers, alert channel URLs and signing secrets) with the current key
 * (LOADFLEET_SECRET_KEY / _FILE), opening the old values with LOADFLEET_SECRET_KEYS_PREVIOUS. Each kind is resealed in
 * one transaction, so a value is never half-rotated. Running control planes keep working throughout, as long as they
 * are given the new key as current or previous; once this reports nothing unreadable, the old key can go.
 */
export async function rotateSecrets (options: ServerOptions = {}): Promise<SecretRotation> {
  const settings = resolveSettings(options)
  const box = loadSecretBox(settings.env, settings.dataDir)
  const store = new Store(await openDatabase(settings.database), { secrets: box })
  try {
    const targets = await resealTargetSecrets(store)
    const channels = await resealChannelSecrets(store)
    await store.repos.audit.add({
      at: Date.now(), actor: 'cli:secrets-rotate', action: 'rotate', entity: 'secret_key', entityId: box.keyId,
      change: { targets, channels },
    })
    return { keyId: box.keyId, targets, channels }
  } finally {
    await store.close()
  }
}
