import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  ApplyRequest, ApplyResult, AuditEntry, BaselinePin, Change, Config, ConfigSaved, ConfigUpdate, FleetStatus,
  MANAGED_BY_APPLY, MANAGED_BY_LABEL, Pagination, Target, TargetBaseline, TargetCreate, TargetPatch,
} from '@loadfleet/api'
import type { RouteDeps } from '../deps.js'
import type { AuditFilter } from '../../db/repos/audit-repo.js'
import { checkTargetEgress, egressIssues, fleetStatusOf, noteOf, parseIsoMs } from '../deps.js'
import { TargetDenied, TargetManaged, TargetNotFound } from '../../errors.js'
import { maskDeep, maskTarget } from '../masking.js'
import { authorizeEach } from '../access.js'
import { assertScriptCompiles } from '../../target-script-check.js'

const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
const ChangeParams = z.strictObject({ id: z.string().min(1).max(64), changeId: z.string().min(1).max(64) })
const AuditFilterQuery = {
  actor: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(64).optional(),
  entity: z.string().min(1).max(64).optional(),
  entityId: z.string().min(1).max(64).optional(),
  since: z.string().max(40).optional(),
  until: z.string().max(40).optional(),
}
const AuditQuery = z.strictObject({
  ...AuditFilterQuery,
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
const AuditExportQuery = z.strictObject(AuditFilterQuery)

function auditFilterOf (query: z.infer<typeof AuditExportQuery>): AuditFilter {
  const { since, until, ...exact } = query
  return {
    ...exact,
    sinceMs: since === undefined ? undefined : parseIsoMs(since, 'querystring.since'),
    untilMs: until === undefined ? undefined : parseIsoMs(until, 'querystring.until'),
  }
}
const security = [{ basicAuth: [] }]
const AuditPage = z.object({ data: z.array(AuditEntry), pagination: Pagination })

/**
 * A site `loadfleet apply` manages is defined by its manifest: edits here would be undone by the next apply, so
 * they are refused with a pointer to the manifest.
 */
async function refuseIfManaged (deps: RouteDeps, id: string): Promise<void> {
  const labels = (await deps.store.repos.targets.get(id))?.labels
  if (labels?.[MANAGED_BY_LABEL] === MANAGED_BY_APPLY) {
    throw new TargetManaged({ id, app: labels.app ?? '?', test: labels.test ?? '?' })
  }
}

/** Admin routes (basic auth): targets, config, audit trail, fleet reconcile. Every change is audited. */
export function adminRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const actor = authorizeEach(app, deps)
    const tags = ['admin']

    app.get('/api/admin/k6/targets', {
      schema: { tags, security, response: { 200: z.object({ data: z.array(Target) }) } },
    }, async () => ({ data: (await deps.store.repos.targets.list()).map(maskTarget) }))

    app.post('/api/admin/k6/targets', {
      schema: { tags, security, body: TargetCreate, response: { 201: Target } },
    }, async (req, reply) => {
      checkTargetEgress(deps, req.body.url, 'body.url')
      await assertScriptCompiles(req.body.script)
      return reply.code(201).send(maskTarget(await deps.store.createTarget(req.body, actor(req))))
    })

    app.get('/api/admin/k6/targets/:id', {
      schema: { tags, security, params: IdParams, response: { 200: Target } },
    }, async (req) => {
      const target = await deps.store.repos.targets.get(req.params.id)
      if (target === undefined) throw new TargetNotFound({ id: req.params.id })
      return maskTarget(target)
    })

    app.patch('/api/admin/k6/targets/:id', {
      schema: { tags, security, params: IdParams, body: TargetPatch, response: { 200: Target } },
    }, async (req) => {
      const onlySecrets = Object.keys(req.body).every((key) => key === 'secretHeaders')
      if (!onlySecrets) await refuseIfManaged(deps, req.params.id)
      checkTargetEgress(deps, req.body.url, 'body.url')
      await assertScriptCompiles(req.body.script)
      return maskTarget(await deps.store.updateTarget(req.params.id, req.body, actor(req)))
    })

    app.delete('/api/admin/k6/targets/:id', {
      schema: { tags, security, params: IdParams, response: { 204: z.null().describe('Deleted; its runs are kept') } },
    }, async (req, reply) => {
      await refuseIfManaged(deps, req.params.id)
      await deps.store.deleteTarget(req.params.id, actor(req))
      return reply.code(204).send(null)
    })

    app.put('/api/admin/k6/targets/:id/baseline', {
      schema: { tags, security, params: IdParams, body: BaselinePin, response: { 200: TargetBaseline } },
    }, async (req) => {
      const { runIds, from, to } = req.body
      const pin = runIds !== undefined
        ? { runIds }
        : { from: parseIsoMs(from ?? '', 'body.from'), to: parseIsoMs(to ?? '', 'body.to') }
      return await deps.store.pinBaseline(req.params.id, pin, actor(req))
    })

    app.delete('/api/admin/k6/targets/:id/baseline', {
      schema: { tags, security, params: IdParams, response: { 200: TargetBaseline } },
    }, async (req) => await deps.store.unpinBaseline(req.params.id, actor(req)))

    app.post('/api/admin/k6/targets/:id/changes/:changeId/accept', {
      schema: {
        tags, security, params: ChangeParams, body: z.strictObject({}).optional(), response: { 200: Change },
      },
    }, async (req) => await deps.store.acceptChange(req.params.id, req.params.changeId, actor(req)))

    app.get('/api/admin/config', {
      schema: { tags, security, response: { 200: Config } },
    }, async () => await deps.store.repos.config.get())

    app.put('/api/admin/config', {
      schema: { tags, security, body: ConfigUpdate, response: { 200: ConfigSaved } },
    }, async (req) => {
      const config = await deps.store.setConfig(req.body, actor(req))
      deps.fleet()?.desiredCountChanged(config.k6DesiredAgentCount)
      const note = noteOf(deps.fleetScaler)
      // Otherwise the count changes and nothing visibly happens: say so where operators look.
      if (note !== null) req.log.warn({ desired: config.k6DesiredAgentCount }, note)
      return { ...config, note }
    })

    app.post('/api/admin/apply', {
      schema: { tags, security, body: ApplyRequest, response: { 200: ApplyResult } },
    }, async (req) => {
      // Every URL is checked before anything is written: one refused site refuses the whole set.
      const issues = req.body.targets.flatMap((target, i) => egressIssues(deps, target.url, `body.targets.${i}.url`))
      if (issues.length > 0) throw new TargetDenied({ issues })
      const { targets, prune, dryRun, revision } = req.body
      const result = await deps.store.applyTargets({ targets, prune, dryRun, revision, actor: actor(req) })
      return { dryRun, revision, ...result }
    })

    app.get('/api/admin/audit', {
      schema: { tags, security, querystring: AuditQuery, response: { 200: AuditPage } },
    }, async (req) => {
      const { cursor, limit, ...filter } = req.query
      const page = await deps.store.repos.audit.list({ ...auditFilterOf(filter), cursor, limit })
      return { data: page.data.map(maskDeep), pagination: { nextCursor: page.nextCursor, limit } }
    })

    app.get('/api/admin/audit/export', {
      schema: { tags, security, querystring: AuditExportQuery },
    }, async (req, reply) => {
      const entries = deps.store.repos.audit.all(auditFilterOf(req.query))
      const day = new Date().toISOString().slice(0, 10)
      void reply.header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="loadfleet-audit-${day}.jsonl"`)
      // Streamed a page at a time: a year of audit trail is not held in memory to be sent.
      return await reply.send(Readable.from((async function * lines () {
        for await (const entry of entries) yield `${JSON.stringify(maskDeep(entry))}\n`
      })()))
    })

    app.post('/api/admin/fleet/reconcile', {
      schema: { tags, security, body: z.strictObject({}).optional(), response: { 200: FleetStatus } },
    }, async (req) => {
      await deps.store.repos.audit.add({
        at: Date.now(), actor: actor(req), action: 'reconcile', entity: 'fleet', entityId: null, change: {},
      })
      const fleet = deps.fleet()
      return fleet === undefined ? await fleetStatusOf(deps) : await fleet.reconcileNow()
    })
  }
}
