import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SecretBox, SecretKeyUnknown, loadSecretBox } from './secret-box.js'

describe('SecretBox', () => {
  it('seals to a different text each time and opens back to the plaintext', () => {
    const box = SecretBox.ephemeral()
    const a = box.seal('hunter2 – ünïcode')
    const b = box.seal('hunter2 – ünïcode')
    expect(a).toMatch(/^lfenc1\.[0-9a-f]{12}\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(a).not.toBe(b)
    expect(a).not.toContain('hunter2')
    expect(box.open(a)).toBe('hunter2 – ünïcode')
    expect(box.open(b)).toBe('hunter2 – ünïcode')
  })

  it('reads a value stored before sealing existed as it is, and says it wants resealing', () => {
    const box = SecretBox.ephemeral()
    expect(box.open('https://hooks.example/abc')).toBe('https://hooks.example/abc')
    expect(box.needsResealing('https://hooks.example/abc')).toBe(true)
    expect(box.needsResealing(box.seal('x'))).toBe(false)
  })

  it('refuses a tampered value (GCM authentication) and a value sealed with an unknown key', () => {
    const box = SecretBox.ephemeral()
    const sealed = box.seal('secret')
    const parts = sealed.split('.')
    const ct = Buffer.from(parts[4] ?? '', 'base64url')
    ct[0] = (ct[0] ?? 0) ^ 1
    parts[4] = ct.toString('base64url')
    expect(() => box.open(parts.join('.'))).toThrow()
    expect(() => SecretBox.ephemeral().open(sealed)).toThrow(SecretKeyUnknown)
  })

  it('rotates: the new key seals, the previous key still opens old values', () => {
    const oldKey = randomBytes(32)
    const old = new SecretBox(oldKey)
    const sealedOld = old.seal('before rotation')
    const rotated = new SecretBox(randomBytes(32), [oldKey])
    expect(rotated.open(sealedOld)).toBe('before rotation')
    expect(rotated.needsResealing(sealedOld)).toBe(true)
    expect(rotated.keyId).not.toBe(old.keyId)
  })
})

describe('loadSecretBox', () => {
  const dirs: string[] = []
  afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-secret-box-'))
    dirs.push(dir)
    return dir
  }

  it('generates DATA_DIR/secret.key (mode 0600) at first start and reuses it', () => {
    const dataDir = join(tempDir(), 'data')
    const first = loadSecretBox({}, dataDir)
    const file = join(dataDir, 'secret.key')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32)
    const sealed = first.seal('kept across restarts')
    expect(loadSecretBox({}, dataDir).open(sealed)).toBe('kept across restarts')
  })

  it('takes LOADFLEET_SECRET_KEY (base64 or hex) or LOADFLEET_SECRET_KEY_FILE, and writes no key file then', () => {
    const dataDir = tempDir()
    const key = randomBytes(32)
    const fromBase64 = loadSecretBox({ LOADFLEET_SECRET_KEY: key.toString('base64') }, dataDir)
    const fromHex = loadSecretBox({ LOADFLEET_SECRET_KEY: key.toString('hex') }, dataDir)
    expect(fromHex.open(fromBase64.seal('same key'))).toBe('same key')
    const keyFile = join(dataDir, 'mounted-key')
    writeFileSync(keyFile, key.toString('base64') + '\n')
    expect(loadSecretBox({ LOADFLEET_SECRET_KEY_FILE: keyFile }, dataDir).keyId).toBe(fromBase64.keyId)
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow()
  })

  it('names the setting when a key is malformed or its file is missing', () => {
    const dataDir = tempDir()
    expect(() => loadSecretBox({ LOADFLEET_SECRET_KEY: 'too-short' }, dataDir))
      .toThrow(/LOADFLEET_SECRET_KEY: expected a 32-byte key/)
    expect(() => loadSecretBox({ LOADFLEET_SECRET_KEY_FILE: join(dataDir, 'nope') }, dataDir))
      .toThrow(/LOADFLEET_SECRET_KEY_FILE: no file at/)
    expect(() => loadSecretBox({ LOADFLEET_SECRET_KEY: randomBytes(32).toString('base64'), LOADFLEET_SECRET_KEYS_PREVIOUS: 'x' }, dataDir))
      .toThrow(/LOADFLEET_SECRET_KEYS_PREVIOUS: expected/)
  })
})
