import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  AppParams, AppRevisionParams, AppRevisionQuery, AppSummary, Gate, GateDetail, GateEvidence, GateRecordRequest,
  GatesQuery, RunRequested,
} from '@loadfleet/api'
import type { RouteDeps } from '../deps.js'
import { authorize, authorizeEach } from '../access.js'
import { AppNotFound, GateNotFound, RequestInvalid, TargetNotFound } from '../../errors.js'

const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
const security = [{ basicAuth: [] }]

/** The evidence text as a gate: JSON, and the evidence schema, each problem named under `body.evidence`. */
function parseEvidence (text: string): GateEvidence {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    const message = `expected the evidence file's JSON: ${(err as Error).message}`
    throw new RequestInvalid({ issues: [{ path: 'body.evidence', message }] })
  }
  const parsed = GateEvidence.safeParse(json)
  if (!parsed.success) {
    throw new RequestInvalid({ issues: parsed.error.issues.map((i) => ({
      path: ['body', 'evidence', ...i.path.map(String)].join('.'), message: i.message,
    })) })
  }
  return parsed.data
}

/** Recording gates and asking the fleet for runs (`loadfleet gate`); both need the edit permission. */
export function gateAdminRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const actor = authorizeEach(app, deps)
    const tags = ['apps']

    app.post('/api/admin/gates', {
      schema: { tags, security, body: GateRecordRequest, response: { 201: Gate } },
    }, async (req, reply) => {
      const evidence = parseEvidence(req.body.evidence)
      const who = actor(req)
      const gate = await deps.store.transaction(async (r) => {
        const recorded = await r.gates.record({ evidence, text: req.body.evidence, actor: who, now: Date.now() })
        await r.audit.add({ at: Date.now(), actor: who, action: 'gate', entity: 'app', entityId: evidence.app,
          change: { gateId: recorded.id, revision: recorded.revision, verdict: recorded.verdict, mode: recorded.mode,
            evidenceSha256: recorded.evidenceSha256 } })
        return recorded
      })
      return reply.code(201).send(gate)
    })

    app.post('/api/admin/k6/targets/:id/run', {
      schema: {
        tags, security, params: IdParams, body: z.strictObject({}).optional(), response: { 202: RunRequested },
      },
    }, async (req, reply) => {
      const now = Date.now()
      const found = await deps.store.transaction(async (r) => {
        if (!await r.targets.requestRun(req.params.id, now)) return false
        await r.audit.add({ at: now, actor: actor(req), action: 'run', entity: 'target', entityId: req.params.id, change: {} })
        return true
      })
      if (!found) throw new TargetNotFound({ id: req.params.id })
      return reply.code(202).send({ targetId: req.params.id, requestedAt: new Date(now).toISOString() })
    })
  }
}

/** The Apps page's reads: apps, their gates by revision, and each gate's evidence file as recorded. */
export function appDashboardRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    if (deps.dashboardRequireAuth) {
      app.addHook('onRequest', async (req) => { await authorize(deps, req) })
    }
    const tags = ['apps']
    const gates = deps.store.repos.gates

    app.get('/api/dashboard/apps', {
      schema: { tags, response: { 200: z.object({ data: z.array(AppSummary) }) } },
    }, async () => ({ data: await gates.listApps() }))

    app.get('/api/dashboard/apps/:name', {
      schema: { tags, params: AppParams, response: { 200: AppSummary } },
    }, async (req) => {
      const found = await gates.getApp(req.params.name)
      if (found === undefined) throw new AppNotFound({ app: req.params.name })
      return found
    })

    app.get('/api/dashboard/apps/:name/gates', {
      schema: {
        tags, params: AppParams, querystring: GatesQuery, response: { 200: z.object({ data: z.array(Gate) }) },
      },
    }, async (req) => ({
      data: await gates.listGates(req.params.name, {
        passing: req.query.passing === 'true', own: req.query.own === 'true', limit: req.query.limit,
      }),
    }))

    app.get('/api/dashboard/apps/:name/revisions/:sha', {
      schema: { tags, params: AppRevisionParams, querystring: AppRevisionQuery, response: { 200: GateDetail } },
    }, async (req) => {
      const found = await gates.gateAt(req.params.name, req.params.sha, req.query.passing === 'true')
      if (found === undefined) throw new GateNotFound({ app: req.params.name, revision: req.params.sha })
      return found.detail
    })

    app.get('/api/dashboard/apps/:name/revisions/:sha/evidence', {
      schema: { tags, params: AppRevisionParams, querystring: AppRevisionQuery, produces: ['application/json'] },
    }, async (req, reply) => {
      const found = await gates.gateAt(req.params.name, req.params.sha, req.query.passing === 'true')
      if (found === undefined) throw new GateNotFound({ app: req.params.name, revision: req.params.sha })
      const file = `gate-${found.detail.app}-${req.params.sha}.json`
      return reply.type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file}"`)
        .header('x-evidence-sha256', found.detail.evidenceSha256)
        .send(found.text)
    })
  }
}
