import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  AgentBrowserSite, AgentName, BrowserRun, BrowserRunDetail, BrowserRunFinish, BrowserRunStart, BrowserRunsQuery,
  BrowserSite, BrowserSiteCreate, BrowserSitePatch, BrowserSiteWithLast, RunId, type BrowserResult,
} from '@loadfleet/api'
import { agentTimeMs, checkTargetEgress, type RouteDeps } from '../deps.js'
import { authorize, authorizeEach } from '../access.js'
import { BrowserSiteNotFound, RunConflict, RunNotFound, RunNotOwned } from '../../errors.js'
import { BrowserRepo, type BrowserRunFigures } from '../../db/repos/browser-repo.js'
import { canonicalJson, sha256Hex } from '../../db/canonical-json.js'
import { maskUrl } from '@loadfleet/api'

const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
const NameParams = z.strictObject({ name: AgentName })
const RunParams = z.strictObject({ name: AgentName, runId: RunId })
const adminSecurity = [{ basicAuth: [] }]
const agentSecurity = [{ bearerAuth: [] }]

/** Admin routes of browser sites: the same roles, audit trail and egress policy as the load sites. */
export function browserAdminRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const actor = authorizeEach(app, deps)
    const tags = ['admin']
    const repo = new BrowserRepo(deps.store.db)

    app.get('/api/admin/browser/sites', {
      schema: { tags, security: adminSecurity, response: { 200: z.object({ data: z.array(BrowserSite) }) } },
    }, async () => ({ data: (await repo.listSites()).map(masked) }))

    app.post('/api/admin/browser/sites', {
      schema: { tags, security: adminSecurity, body: BrowserSiteCreate, response: { 201: BrowserSite } },
    }, async (req, reply) => {
      checkTargetEgress(deps, req.body.url, 'body.url')
      const site = await deps.store.transaction(async (r, trx) => {
        const now = Date.now()
        const created = await new BrowserRepo(trx).createSite(randomUUID(), req.body, now)
        await r.audit.add({ at: now, actor: actor(req), action: 'create', entity: 'browser_site', entityId: created.id, change: masked(created) })
        return created
      })
      return reply.code(201).send(masked(site))
    })

    app.get('/api/admin/browser/sites/:id', {
      schema: { tags, security: adminSecurity, params: IdParams, response: { 200: BrowserSite } },
    }, async (req) => masked(await siteOrThrow(repo, req.params.id)))

    app.patch('/api/admin/browser/sites/:id', {
      schema: {
        tags, security: adminSecurity, params: IdParams, body: BrowserSitePatch, response: { 200: BrowserSite },
      },
    }, async (req) => {
      checkTargetEgress(deps, req.body.url, 'body.url')
      return masked(await deps.store.transaction(async (r, trx) => {
        const sites = new BrowserRepo(trx)
        const before = await siteOrThrow(sites, req.params.id)
        const now = Date.now()
        // The dashboard shows the masked URL; sending it back unchanged keeps the real one.
        const keepsUrl = req.body.url !== undefined && req.body.url === maskUrl(before.url)
        const patch = keepsUrl ? { ...req.body, url: undefined } : req.body
        await sites.updateSite(before.id, patch, now)
        const after = await siteOrThrow(sites, before.id)
        await r.audit.add({ at: now, actor: actor(req), action: 'update', entity: 'browser_site', entityId: before.id, change: { before: masked(before), after: masked(after) } })
        return after
      }))
    })

    app.delete('/api/admin/browser/sites/:id', {
      schema: { tags, security: adminSecurity, params: IdParams, response: { 204: z.null().describe('Deleted; its runs are kept') } },
    }, async (req, reply) => {
      await deps.store.transaction(async (r, trx) => {
        const sites = new BrowserRepo(trx)
        const before = await siteOrThrow(sites, req.params.id)
        await sites.deleteSite(before.id)
        await r.audit.add({ at: Date.now(), actor: actor(req), action: 'delete', entity: 'browser_site', entityId: before.id, change: masked(before) })
      })
      return reply.code(204).send(null)
    })
  }
}

/** Read-only routes of browser sites and runs; open unless DASHBOARD_REQUIRE_AUTH, like the load sites'. */
export function browserDashboardRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    if (deps.dashboardRequireAuth) app.addHook('onRequest', async (req) => { await authorize(deps, req) })
    const tags = ['dashboard']
    const repo = new BrowserRepo(deps.store.db)

    app.get('/api/dashboard/browser/sites', {
      schema: { tags, response: { 200: z.object({ data: z.array(BrowserSiteWithLast) }) } },
    }, async () => {
      const sites = await repo.listSites()
      const data = await Promise.all(sites.map(async (site) => {
        const [last] = await repo.listRuns({ siteId: site.id, limit: 1 })
        const lastRun = last === undefined
          ? null
          : {
            id: last.id, status: last.status, startedAt: last.startedAt, failureReason: last.failureReason,
            lcpMs: last.lcpMs, cls: last.cls, tlsDaysUntilExpiry: last.tlsDaysUntilExpiry,
          }
        return { ...masked(site), lastRun }
      }))
      return { data }
    })

    app.get('/api/dashboard/browser/runs', {
      schema: { tags, querystring: BrowserRunsQuery, response: { 200: z.object({ data: z.array(BrowserRun) }) } },
    }, async (req) => ({
      data: (await repo.listRuns({ siteId: req.query.siteId, limit: req.query.limit })).map(maskedRun),
    }))

    app.get('/api/dashboard/browser/runs/:id', {
      schema: { tags, params: IdParams, response: { 200: BrowserRunDetail } },
    }, async (req) => {
      const run = await repo.getRun(req.params.id)
      if (run === undefined) throw new RunNotFound({ id: req.params.id })
      return maskedRun(run)
    })

    app.get('/api/dashboard/browser/runs/:id/screenshot', {
      schema: { tags, params: IdParams, produces: ['image/png', 'image/jpeg'] },
    }, async (req, reply) => {
      const shot = await repo.screenshotOf(req.params.id)
      if (shot === undefined) throw new RunNotFound({ id: req.params.id })
      return reply.type(`image/${shot.format}`).header('cache-control', 'private, max-age=86400')
        .send(Buffer.from(shot.data, 'base64'))
    })
  }
}

/**
 * Browser agents' routes: the same credentials as the load agents (they register, heartbeat and leave on those
 * routes), and only for their own name. A run is reported only by the agent that started it.
 */
export function browserAgentRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    app.addHook('onRequest', async (req) => {
      const { name } = req.params as { name: string }
      await deps.auth.agentCredential(req, name, {
        hashOf: (agent) => deps.store.repos.agents.credentialHashOf(agent),
        ownerOf: (hash) => deps.store.repos.agents.nameOfCredentialHash(hash),
      })
    })
    const tags = ['agents']
    const repo = new BrowserRepo(deps.store.db)

    app.get('/api/browser/agents/:name/sites', {
      schema: {
        tags, security: agentSecurity, params: NameParams,
        response: { 200: z.object({ data: z.array(AgentBrowserSite) }) },
      },
    }, async (req) => {
      const [sites, starts] = await Promise.all([repo.listSites(), repo.lastStartsOf(req.params.name)])
      return {
        data: sites.filter((s) => s.enabled).map((site) => {
          const last = starts.get(site.id)
          return { ...site, lastStartedAt: last === undefined ? null : new Date(last).toISOString() }
        }),
      }
    })

    app.post('/api/browser/agents/:name/runs', {
      schema: {
        tags, security: agentSecurity, params: NameParams, body: BrowserRunStart,
        response: { 200: BrowserRun, 201: BrowserRun },
      },
    }, async (req, reply) => {
      const startedAt = agentTimeMs(req.body.startedAt, 'body.startedAt')
      await siteOrThrow(repo, req.body.siteId)
      const existing = await repo.runRow(req.body.id)
      if (existing !== undefined && (existing.agent_name !== req.params.name || existing.site_id !== req.body.siteId)) {
        throw existing.agent_name !== req.params.name
          ? new RunNotOwned({ id: req.body.id })
          : new RunConflict({ id: req.body.id, reason: 'the id belongs to a run of another site' })
      }
      const created = await repo.startRun({
        id: req.body.id, siteId: req.body.siteId, agentName: req.params.name, startedAt,
      })
      const run = await repo.getRun(req.body.id)
      if (run === undefined) throw new RunNotFound({ id: req.body.id })
      const { result: _result, ...listed } = run
      return reply.code(created ? 201 : 200).send(maskedRun(listed))
    })

    app.post('/api/browser/agents/:name/runs/:runId/finish', {
      schema: {
        tags, security: agentSecurity, params: RunParams, body: BrowserRunFinish, response: { 200: BrowserRun },
      },
    }, async (req) => {
      const finishedAt = agentTimeMs(req.body.finishedAt, 'body.finishedAt')
      const { status, errorMessage, result, screenshot } = req.body
      // The screenshot's length stands in for it: the same report resent has the same picture.
      const resultHash = sha256Hex(canonicalJson({
        status, errorMessage, result, screenshot: screenshot?.data.length ?? null,
      }))
      const row = await repo.runRow(req.params.runId)
      if (row === undefined) throw new RunNotFound({ id: req.params.runId })
      if (row.agent_name !== req.params.name) throw new RunNotOwned({ id: req.params.runId })
      if (row.status !== 'running' && row.reaped_at === null) {
        if (row.result_hash !== resultHash) {
          throw new RunConflict({ id: row.id, reason: `it already finished as "${row.status}" with a different result` })
        }
      } else {
        await repo.writeResult(row.id, {
          status, finishedAt, resultHash, screenshot,
          failureReason: status === 'passed' ? null : (result?.reason ?? errorMessage ?? null),
          resultJson: result === null ? null : JSON.stringify(result),
          figures: figuresOf(result),
        })
      }
      const run = await repo.getRun(row.id)
      if (run === undefined) throw new RunNotFound({ id: row.id })
      const { result: _result, ...listed } = run
      return maskedRun(listed)
    })
  }
}

async function siteOrThrow (repo: BrowserRepo, id: string): Promise<BrowserSite> {
  const site = await repo.getSite(id)
  if (site === undefined) throw new BrowserSiteNotFound({ id })
  return site
}

function figuresOf (result: BrowserResult | null): BrowserRunFigures {
  const navigation = result?.navigation ?? null
  return {
    lcpMs: result?.vitals.lcp?.value ?? null,
    cls: result?.vitals.cls?.value ?? null,
    ttfbMs: result?.vitals.ttfb?.value ?? null,
    loadMs: navigation?.loadMs ?? null,
    tlsDaysUntilExpiry: result?.tls?.daysUntilExpiry ?? null,
  }
}

function masked<T extends { url: string }> (site: T): T {
  return { ...site, url: maskUrl(site.url) }
}

function maskedRun<T extends { siteUrl: string | null }> (run: T): T {
  return { ...run, siteUrl: run.siteUrl === null ? null : maskUrl(run.siteUrl) }
}
