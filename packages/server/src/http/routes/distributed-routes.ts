import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  AgentName, DISTRIBUTED_MAX_AGENTS, DistributedRun, DistributedRunCreate, PartClaimed, PartFinish, PartState, RunId,
} from '@loadfleet/api'
import type { RouteDeps } from '../deps.js'
import { authorize } from '../access.js'
import { maskDeep } from '../masking.js'
import type { AgentCredentialStore } from '../agent-credentials.js'
import type { DistributedRuns } from '../../distributed/distributed-runs.js'

const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
const NameParams = z.strictObject({ name: AgentName })
const PartParams = z.strictObject({
  name: AgentName, runId: RunId, index: z.coerce.number().int().min(0).max(DISTRIBUTED_MAX_AGENTS - 1),
})
const adminSecurity = [{ basicAuth: [] }, { bearerAuth: [] }]
const agentSecurity = [{ bearerAuth: [] }]

/**
 * Distributed runs: an editor submits a test for N agents, anyone who may read follows it, and agents accept a part,
 * wait for the common start, run their segment and report it (with their own credential, for their own part only).
 */
export function distributedRoutes (deps: RouteDeps, runs: DistributedRuns) {
  const credentials: AgentCredentialStore = {
    hashOf: (name) => deps.store.repos.agents.credentialHashOf(name),
    ownerOf: (hash) => deps.store.repos.agents.nameOfCredentialHash(hash),
  }
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const actors = new WeakMap<object, string>()
    app.addHook('onRequest', async (req) => {
      const name = (req.params as { name?: string }).name
      if (name !== undefined) return await deps.auth.agentCredential(req, name, credentials)
      // The read route is as open as the rest of the dashboard's read API.
      if (req.method === 'GET' && !deps.dashboardRequireAuth) return
      actors.set(req, await authorize(deps, req))
    })

    app.post('/api/admin/k6/distributed-runs', {
      schema: { tags: ['admin'], security: adminSecurity, body: DistributedRunCreate, response: { 201: DistributedRun } },
    }, async (req, reply) => {
      const actor = actors.get(req) ?? 'unknown'
      const run = await runs.create(req.body, actor)
      req.log.info({ runId: run.id, agents: run.agents, file: run.file, actor }, 'distributed run created')
      return reply.code(201).send(maskDeep(run))
    })

    app.get('/api/dashboard/k6/distributed-runs/:id', {
      schema: { tags: ['dashboard'], params: IdParams, response: { 200: DistributedRun } },
    }, async (req) => maskDeep(await runs.get(req.params.id)))

    const tags = ['agents']
    app.post('/api/k6/agents/:name/parts/claim', {
      schema: {
        tags, security: agentSecurity, params: NameParams, body: z.strictObject({}), response: { 200: PartClaimed },
      },
    }, async (req) => {
      const part = await runs.claim(req.params.name)
      if (part !== null) req.log.info({ agent: req.params.name, runId: part.runId, part: part.index }, 'part accepted')
      return { part }
    })

    app.get('/api/k6/agents/:name/parts/:runId/:index', {
      schema: { tags, security: agentSecurity, params: PartParams, response: { 200: PartState } },
    }, async (req) => runs.partState(req.params.name, req.params.runId, req.params.index))

    app.post('/api/k6/agents/:name/parts/:runId/:index/accept', {
      schema: {
        tags, security: agentSecurity, params: PartParams, body: z.strictObject({}), response: { 200: PartState },
      },
    }, async (req) => runs.accept(req.params.name, req.params.runId, req.params.index))

    app.post('/api/k6/agents/:name/parts/:runId/:index/finish', {
      schema: { tags, security: agentSecurity, params: PartParams, body: PartFinish, response: { 200: PartState } },
    }, async (req) => runs.finishPart(req.params.name, req.params.runId, req.params.index, req.body))
  }
}
