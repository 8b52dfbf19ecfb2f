import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SettingsInvalid } from './errors.js'

/**
 * Secrets at rest (alert channels' signing secrets and webhook URLs): AES-256-GCM envelope encryption. Each value
 * gets its own data key, which is wrapped by the key-encryption key named in the value, so a key can be rotated by
 * re-wrapping and a leaked database file alone reveals nothing.
 *
 * Sealed form: `lfenc1.<key id>.<wrapped data key>.<iv>.<ciphertext>.<tag>` (base64url parts). A stored value without
 * the prefix is plaintext written before encryption existed; it is read as it is and sealed at its next write.
 */
const PREFIX = 'lfenc1'
const KEY_BYTES = 32
const IV_BYTES = 12
const KEY_FILE = 'secret.key'

export class SecretKeyUnknown extends Error {
  readonly keyId: string

  constructor (keyId: string) {
    super(`a stored secret was sealed with key ${keyId}, which this control plane does not have ` +
      '(set LOADFLEET_SECRET_KEY, or list the old key in LOADFLEET_SECRET_KEYS_PREVIOUS)')
    this.keyId = keyId
  }
}

function keyIdOf (key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12)
}

function gcmSeal (key: Buffer, plain: Buffer): { iv: Buffer, ciphertext: Buffer, tag: Buffer } {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()])
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}

function gcmOpen (key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()])
}

const b64 = (b: Buffer): string => b.toString('base64url')
const unb64 = (s: string): Buffer => Buffer.from(s, 'base64url')

export class SecretBox {
  readonly #current: { id: string, key: Buffer }
  readonly #byId: Map<string, Buffer>

  /** `current` seals; it and `previous` open (keys being rotated out). */
  constructor (current: Buffer, previous: Buffer[] = []) {
    this.#current = { id: keyIdOf(current), key: current }
    this.#byId = new Map([current, ...previous].map((key) => [keyIdOf(key), key]))
  }

  /** A box with a random key nobody else has: for a store whose sealed values need not outlive it. */
  static ephemeral (): SecretBox {
    return new SecretBox(randomBytes(KEY_BYTES))
  }

  get keyId (): string { return this.#current.id }

  seal (plain: string): string {
    const dataKey = randomBytes(KEY_BYTES)
    const wrapped = gcmSeal(this.#current.key, dataKey)
    const value = gcmSeal(dataKey, Buffer.from(plain, 'utf8'))
    return [PREFIX, this.#current.id, b64(Buffer.concat([wrapped.iv, wrapped.ciphertext, wrapped.tag])),
      b64(value.iv), b64(value.ciphertext), b64(value.tag)].join('.')
  }

  /** The plaintext of a sealed value; a value stored before sealing existed comes back as it is. */
  open (stored: string): string {
    if (!isSealed(stored)) return stored
    const [, keyId = '', wrapped = '', iv = '', ciphertext = '', tag = ''] = stored.split('.')
    const kek = this.#byId.get(keyId)
    if (kek === undefined) throw new SecretKeyUnknown(keyId)
    const w = unb64(wrapped)
    const dataKey = gcmOpen(kek, w.subarray(0, IV_BYTES), w.subarray(IV_BYTES, -16), w.subarray(-16))
    return gcmOpen(dataKey, unb64(iv), unb64(ciphertext), unb64(tag)).toString('utf8')
  }

  /** Whether a stored value should be sealed again: plaintext, or sealed with a key other than the current one. */
  needsResealing (stored: string): boolean {
    return !isSealed(stored) || stored.split('.')[1] !== this.#current.id
  }
}

export function isSealed (stored: string): boolean {
  return stored.startsWith(`${PREFIX}.`)
}

/** A new random key for LOADFLEET_SECRET_KEY, in the base64 form it is read in. */
export function newSecretKey (): string {
  return randomBytes(KEY_BYTES).toString('base64')
}

function parseKey (setting: string, text: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  if (key.length !== KEY_BYTES) {
    throw new SettingsInvalid({
      setting, problem: `expected a ${KEY_BYTES}-byte key as base64 or 64 hex digits (e.g. \`openssl rand -base64 32\`)`,
    })
  }
  return key
}

/**
 * The key-encryption keys: LOADFLEET_SECRET_KEY, else the file LOADFLEET_SECRET_KEY_FILE names (a mounted
 * Kubernetes Secret), else DATA_DIR/secret.key, generated (mode 0600) at first start so the embedded default needs
 * no setting. Replicas sharing a PostgreSQL database must share the key. LOADFLEET_SECRET_KEYS_PREVIOUS (comma
 * separated) still opens values sealed before a rotation.
 */
export function loadSecretBox (env: Record<string, string | undefined>, dataDir: string): SecretBox {
  const previous = (env.LOADFLEET_SECRET_KEYS_PREVIOUS ?? '').split(',').filter((s) => s.trim() !== '')
    .map((text) => parseKey('LOADFLEET_SECRET_KEYS_PREVIOUS', text))
  const inline = env.LOADFLEET_SECRET_KEY?.trim()
  if (inline !== undefined && inline !== '') return new SecretBox(parseKey('LOADFLEET_SECRET_KEY', inline), previous)
  const fileSetting = env.LOADFLEET_SECRET_KEY_FILE?.trim()
  if (fileSetting !== undefined && fileSetting !== '') {
    if (!existsSync(fileSetting)) {
      throw new SettingsInvalid({ setting: 'LOADFLEET_SECRET_KEY_FILE', problem: `no file at ${fileSetting}` })
    }
    return new SecretBox(parseKey('LOADFLEET_SECRET_KEY_FILE', readFileSync(fileSetting, 'utf8')), previous)
  }
  const file = join(dataDir, KEY_FILE)
  if (existsSync(file)) return new SecretBox(parseKey(file, readFileSync(file, 'utf8')), previous)
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(KEY_BYTES)
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return new SecretBox(key, previous)
}
