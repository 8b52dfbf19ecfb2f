import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { Unauthorized } from '../errors.js'

function digest (text: string): Buffer {
  // Hashing first gives equal-length buffers, so timingSafeEqual never leaks the secret's length.
  return createHash('sha256').update(text, 'utf8').digest()
}

function matches (given: string | undefined, expected: Buffer): boolean {
  return timingSafeEqual(digest(given ?? ''), expected) && given !== undefined
}

/** Checks admin basic auth and agent bearer tokens in constant time; every failure looks the same. */
export class Auth {
  readonly #admin: Buffer
  readonly #agent: Buffer

  constructor (options: { adminBasicAuth: string, agentToken: string }) {
    this.#admin = digest(options.adminBasicAuth)
    this.#agent = digest(options.agentToken)
  }

  /** Returns the admin user name (the audit trail's actor) or throws Unauthorized. */
  admin (req: FastifyRequest): string {
    const header = req.headers.authorization
    const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim())
    const decoded = match?.[1] === undefined ? undefined : Buffer.from(match[1], 'base64').toString('utf8')
    if (!matches(decoded, this.#admin) || decoded === undefined) throw new Unauthorized({})
    return decoded.slice(0, decoded.indexOf(':'))
  }

  agent (req: FastifyRequest): void {
    const header = req.headers.authorization
    const match = header === undefined ? null : /^Bearer (\S+)$/i.exec(header.trim())
    if (!matches(match?.[1], this.#agent)) throw new Unauthorized({})
  }
}
