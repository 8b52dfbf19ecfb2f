import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ApiToken, ApiTokenCreate, ApiTokenCreated } from '@loadfleet/api'
import type { RouteDeps } from '../deps.js'
import { ApiTokenNotFound } from '../../errors.js'
import { authorizeEach } from '../access.js'
import { toApiToken } from '../../db/repos/api-tokens-repo.js'

// 256 random bits: beyond guessing, so a plain SHA-256 is enough to store (as for agent credentials).
const TOKEN_BYTES = 32
const DAY_MS = 86_400_000
const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
const security = [{ basicAuth: [] }, { bearerAuth: [] }]

/** API tokens for CI and scripts: created (shown once), listed (never the token), revoked at once. Admin only. */
export function tokenRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const actor = authorizeEach(app, deps)
    const tags = ['admin']

    app.post('/api/admin/tokens', {
      schema: { tags, security, body: ApiTokenCreate, response: { 201: ApiTokenCreated } },
    }, async (req, reply) => {
      const token = `lf_${randomBytes(TOKEN_BYTES).toString('base64url')}`
      const now = Date.now()
      const { name, role, expiresInDays } = req.body
      const row = {
        id: randomUUID(), name, role, token_hash: createHash('sha256').update(token, 'utf8').digest('hex'),
        created_at: now, created_by: actor(req),
        expires_at: expiresInDays === undefined ? null : now + expiresInDays * DAY_MS, last_used_at: null,
      }
      await deps.store.transaction(async (r) => {
        await r.tokens.insert(row)
        await r.audit.add({ at: now, actor: actor(req), action: 'create', entity: 'api_token', entityId: row.id, change: toApiToken(row) })
      })
      return reply.code(201).send({ id: row.id, token })
    })

    app.get('/api/admin/tokens', {
      schema: { tags, security, response: { 200: z.object({ data: z.array(ApiToken) }) } },
    }, async () => ({ data: await deps.store.repos.tokens.list() }))

    app.delete('/api/admin/tokens/:id', {
      schema: { tags, security, params: IdParams, response: { 204: z.null().describe('Revoked: it stops working at once') } },
    }, async (req, reply) => {
      await deps.store.transaction(async (r) => {
        const before = await r.tokens.get(req.params.id)
        if (before === undefined || !await r.tokens.delete(req.params.id)) {
          throw new ApiTokenNotFound({ id: req.params.id })
        }
        await r.audit.add({ at: Date.now(), actor: actor(req), action: 'delete', entity: 'api_token', entityId: before.id, change: before })
      })
      return reply.code(204).send(null)
    })
  }
}
