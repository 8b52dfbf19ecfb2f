import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  AlertChannel, AlertChannelCreate, AlertChannelPatch, AlertChannelTestResult, AlertRule, AlertRuleCreate,
  AlertRulePatch, AlertsOverview, Silence, SilenceCreate,
} from '@loadfleet/api'
import type { RouteDeps } from '../deps.js'
import { AlertsAdmin } from '../../alerts/alerts-admin.js'
import { AlertsRepo } from '../../alerts/alerts-repo.js'
import { Alerting } from '../../alerts/alerting.js'
import { authorize, authorizeEach } from '../access.js'

const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
const security = [{ basicAuth: [] }]
const deleted = z.null().describe('Deleted')

/** Admin routes (basic auth) for alert rules, channels and silences; every change is audited. */
export function alertAdminRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const actor = authorizeEach(app, deps)
    const tags = ['alerts']
    const admin = new AlertsAdmin(deps.store)
    const repo = new AlertsRepo(deps.store.db, deps.store.secrets)

    app.get('/api/admin/alerts/channels', {
      schema: { tags, security, response: { 200: z.object({ data: z.array(AlertChannel) }) } },
    }, async () => ({ data: await repo.channels() }))
    app.post('/api/admin/alerts/channels', {
      schema: { tags, security, body: AlertChannelCreate, response: { 201: AlertChannel } },
    }, async (req, reply) => reply.code(201).send(await admin.createChannel(req.body, actor(req))))
    app.patch('/api/admin/alerts/channels/:id', {
      schema: { tags, security, params: IdParams, body: AlertChannelPatch, response: { 200: AlertChannel } },
    }, async (req) => await admin.updateChannel(req.params.id, req.body, actor(req)))
    app.delete('/api/admin/alerts/channels/:id', {
      schema: { tags, security, params: IdParams, response: { 204: deleted } },
    }, async (req, reply) => {
      await admin.deleteChannel(req.params.id, actor(req))
      return reply.code(204).send(null)
    })
    app.post('/api/admin/alerts/channels/:id/test', {
      schema: {
        tags, security, params: IdParams, body: z.strictObject({}).optional(),
        response: { 200: AlertChannelTestResult },
      },
    }, async (req) => {
      const alerting = deps.alerting?.() ?? new Alerting({ store: deps.store, log: req.log, externalUrl: '' })
      const result = await alerting.sendTest(req.params.id)
      await deps.store.repos.audit.add({
        at: Date.now(), actor: actor(req), action: 'test', entity: 'alert_channel', entityId: req.params.id, change: result,
      })
      return result
    })

    app.get('/api/admin/alerts/rules', {
      schema: { tags, security, response: { 200: z.object({ data: z.array(AlertRule) }) } },
    }, async () => ({ data: await repo.rules() }))
    app.post('/api/admin/alerts/rules', {
      schema: { tags, security, body: AlertRuleCreate, response: { 201: AlertRule } },
    }, async (req, reply) => reply.code(201).send(await admin.createRule(req.body, actor(req))))
    app.patch('/api/admin/alerts/rules/:id', {
      schema: { tags, security, params: IdParams, body: AlertRulePatch, response: { 200: AlertRule } },
    }, async (req) => await admin.updateRule(req.params.id, req.body, actor(req)))
    app.delete('/api/admin/alerts/rules/:id', {
      schema: { tags, security, params: IdParams, response: { 204: deleted } },
    }, async (req, reply) => {
      await admin.deleteRule(req.params.id, actor(req))
      return reply.code(204).send(null)
    })

    app.get('/api/admin/alerts/silences', {
      schema: { tags, security, response: { 200: z.object({ data: z.array(Silence) }) } },
    }, async () => ({ data: await repo.silences(Date.now()) }))
    app.post('/api/admin/alerts/silences', {
      schema: { tags, security, body: SilenceCreate, response: { 201: Silence } },
    }, async (req, reply) => reply.code(201).send(await admin.createSilence(req.body, actor(req))))
    app.delete('/api/admin/alerts/silences/:id', {
      schema: { tags, security, params: IdParams, response: { 204: z.null().describe('Expired now; kept as history') } },
    }, async (req, reply) => {
      await admin.expireSilence(req.params.id, actor(req))
      return reply.code(204).send(null)
    })
  }
}

/** The dashboard's read of alerts; open unless DASHBOARD_REQUIRE_AUTH asks for admin credentials. */
export function alertDashboardRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    if (deps.dashboardRequireAuth) {
      app.addHook('onRequest', async (req) => { await authorize(deps, req) })
    }
    const repo = new AlertsRepo(deps.store.db, deps.store.secrets)
    app.get('/api/dashboard/alerts', {
      schema: { tags: ['dashboard'], response: { 200: AlertsOverview } },
    }, async () => await repo.overview(Date.now()))
  }
}
