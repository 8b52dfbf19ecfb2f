import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Role } from '@loadfleet/api'
import type { Database } from '../schema.js'

/** Who a sign-in says the user is, after their groups were mapped to a role. */
export interface SignedInUser {
  issuer: string
  subject: string
  email: string | null
  name: string | null
  role: Role
  groups: string[]
}

/** A live session's user, as authorization needs it. */
export interface SessionUser {
  userId: string
  subject: string
  email: string | null
  name: string | null
  role: Role
  expiresAt: number
  lastSeenAt: number
}

/** OIDC users (recorded at each sign-in) and their sessions, found by the SHA-256 of the cookie. */
export class UsersRepo {
  readonly #db: Kysely<Database>

  constructor (db: Kysely<Database>) {
    this.#db = db
  }

  /** Records a sign-in: creates the user on their first, else updates name, email, role and groups. Answers its id. */
  async recordSignIn (user: SignedInUser, now: number): Promise<string> {
    const values = {
      email: user.email, name: user.name, role: user.role, groups_json: JSON.stringify(user.groups),
      last_sign_in_at: now,
    }
    const existing = await this.#db.selectFrom('users').select('id')
      .where('issuer', '=', user.issuer).where('subject', '=', user.subject).executeTakeFirst()
    if (existing !== undefined) {
      await this.#db.updateTable('users').set(values).where('id', '=', existing.id).execute()
      return existing.id
    }
    const id = randomUUID()
    await this.#db.insertInto('users')
      .values({ id, issuer: user.issuer, subject: user.subject, created_at: now, ...values }).execute()
    return id
  }

  async createSession (row: { idHash: string, userId: string, now: number, expiresAt: number }): Promise<void> {
    // Expired sessions are swept as new ones are made, so the table holds live sessions only.
    await this.#db.deleteFrom('sessions').where('expires_at', '<=', row.now).execute()
    await this.#db.insertInto('sessions').values({
      id_hash: row.idHash, user_id: row.userId, created_at: row.now, expires_at: row.expiresAt, last_seen_at: row.now,
    }).execute()
  }

  async sessionByHash (idHash: string): Promise<SessionUser | undefined> {
    const row = await this.#db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id as userId', 'users.subject', 'users.email', 'users.name', 'users.role',
        'sessions.expires_at', 'sessions.last_seen_at'])
      .where('sessions.id_hash', '=', idHash).executeTakeFirst()
    if (row === undefined) return undefined
    return {
      userId: row.userId, subject: row.subject, email: row.email, name: row.name, role: row.role,
      expiresAt: Number(row.expires_at), lastSeenAt: Number(row.last_seen_at),
    }
  }

  /** Records a session's use, at most once per `minIntervalMs`. */
  async touchSession (idHash: string, now: number, minIntervalMs: number): Promise<void> {
    await this.#db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash)
      .where('last_seen_at', '<', now - minIntervalMs).execute()
  }

  async deleteSession (idHash: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }
}
