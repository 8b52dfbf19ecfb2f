import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import type { ScriptRunState } from './vu-state.js'

function withDefault (mod: Record<string, unknown>): Record<string, unknown> {
  mod.default = mod
  return mod
}

function toBuffer (input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8')
  if (input instanceof ArrayBuffer) return Buffer.from(input)
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  return Buffer.from(String(input), 'utf8')
}

function toArrayBuffer (b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
}

/** `k6/data`: SharedArray, built once per name by the first VU and then shared, frozen, by all. */
export function createDataModule (run: ScriptRunState): Record<string, unknown> {
  function SharedArray (name: unknown, build: unknown): readonly unknown[] {
    const key = String(name)
    const existing = run.sharedArrays.get(key)
    if (existing !== undefined) return existing
    if (typeof build !== 'function') throw new TypeError('SharedArray needs a function that returns an array')
    const value: unknown = (build as () => unknown)()
    if (!Array.isArray(value)) throw new TypeError(`SharedArray '${key}': the function must return an array`)
    const frozen = Object.freeze(value.map((item: unknown) => deepFreeze(item)))
    run.sharedArrays.set(key, frozen)
    return frozen
  }
  return withDefault({ SharedArray })
}

function deepFreeze (value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/** `k6/encoding`: base64 in k6's four variants. */
export function createEncodingModule (): Record<string, unknown> {
  const b64encode = (input: unknown, encoding = 'std'): string => {
    const s = toBuffer(input).toString(encoding.includes('url') ? 'base64url' : 'base64')
    const raw = encoding.startsWith('raw')
    if (encoding.includes('url')) return raw ? s : s + '='.repeat((4 - (s.length % 4)) % 4)
    return raw ? s.replace(/=+$/, '') : s
  }
  const b64decode = (input: unknown, encoding = 'std', format?: string): string | ArrayBuffer => {
    const b = Buffer.from(String(input), encoding.includes('url') ? 'base64url' : 'base64')
    return format === 's' ? b.toString('utf8') : toArrayBuffer(b)
  }
  return withDefault({ b64encode, b64decode })
}

function digest (h: { digest: (() => Buffer) }, encoding: unknown): string | ArrayBuffer {
  const out = h.digest()
  if (encoding === 'binary') return toArrayBuffer(out)
  if (encoding === 'base64') return out.toString('base64')
  if (encoding === 'base64url') return out.toString('base64url')
  if (encoding === 'base64rawurl') return out.toString('base64url').replace(/=+$/, '')
  return out.toString('hex')
}

/** `k6/crypto`: the common hashes, HMAC and random bytes. */
export function createCryptoModule (): Record<string, unknown> {
  const algorithm = (name: unknown): string => String(name).replace('sha512_224', 'sha512-224').replace('sha512_256', 'sha512-256')
  const hashFn = (alg: string) => (input: unknown, encoding: unknown) =>
    digest(createHash(alg).update(toBuffer(input)), encoding)
  return withDefault({
    md4: hashFn('md4'), md5: hashFn('md5'), sha1: hashFn('sha1'), sha256: hashFn('sha256'), sha384: hashFn('sha384'),
    sha512: hashFn('sha512'), sha512_224: hashFn('sha512-224'), sha512_256: hashFn('sha512-256'),
    ripemd160: hashFn('ripemd160'),
    hmac: (alg: unknown, secret: unknown, data: unknown, encoding: unknown) =>
      digest(createHmac(algorithm(alg), toBuffer(secret)).update(toBuffer(data)), encoding),
    createHash: (alg: unknown) => {
      const h = createHash(algorithm(alg))
      return { update (d: unknown) { h.update(toBuffer(d)); return this }, digest: (e: unknown) => digest(h, e) }
    },
    createHMAC: (alg: unknown, secret: unknown) => {
      const h = createHmac(algorithm(alg), toBuffer(secret))
      return { update (d: unknown) { h.update(toBuffer(d)); return this }, digest: (e: unknown) => digest(h, e) }
    },
    randomBytes: (n: unknown) => toArrayBuffer(randomBytes(Number(n))),
  })
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/** The jslib `k6-utils` module, built in. */
export function createUtilsModule (): Record<string, unknown> {
  const randomIntBetween = (min: number, max: number): number => Math.floor(Math.random() * (max - min + 1) + min)
  return withDefault({
    randomIntBetween,
    randomItem: (items: readonly unknown[]) => items[Math.floor(Math.random() * items.length)],
    randomString: (length: number, charset = LETTERS): string => {
      let out = ''
      for (let i = 0; i < length; i++) out += charset.charAt(Math.floor(Math.random() * charset.length))
      return out
    },
    uuidv4: () => randomUUID(),
    findBetween: (content: string, left: string, right: string, repeat = false): string | string[] => {
      const found: string[] = []
      let at = content.indexOf(left)
      while (at !== -1) {
        const end = content.indexOf(right, at + left.length)
        if (end === -1) break
        found.push(content.slice(at + left.length, end))
        if (!repeat) break
        at = content.indexOf(left, end + right.length)
      }
      return repeat ? found : found[0] ?? ''
    },
  })
}
