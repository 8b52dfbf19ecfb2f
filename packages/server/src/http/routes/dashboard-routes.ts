import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  Agent, Change, ChangesQuery, FleetStatus, Pagination, Run, RunDetail, RunsQuery, SeriesBucketsPage, SeriesPointsPage,
  SeriesQuery, TargetBaseline, TargetWithStats, seriesBucketMs,
} from '@loadfleet/api'
import { fleetStatusOf, parseIsoMs, type RouteDeps } from '../deps.js'
import { toK6SummaryExport, type RunResult } from '@loadfleet/core'
import { RequestInvalid, RunNotFound, RunSummaryMissing, TargetNotFound } from '../../errors.js'
import { bucketRuns } from '../../series/series-buckets.js'
import { maskDeep, maskRun, maskTargetWithStats } from '../masking.js'
import { authorize } from '../access.js'

// A bucketed page first: a points page would also accept it and drop its bucketMs.
const SeriesPage = z.union([SeriesBucketsPage, SeriesPointsPage])
const ChangesPage = z.object({ data: z.array(Change) })
const RunsPage = z.object({ data: z.array(Run), pagination: Pagination })
const IdParams = z.strictObject({ id: z.string().min(1).max(64) })
// Default chart window, and a cap so a year-wide query cannot build a huge response.
const DEFAULT_SERIES_WINDOW_MS = 24 * 60 * 60_000
const SERIES_MAX_POINTS = 10_000
// Runs read to fill buckets: a week at one run every 10 s, about 6 MB of rows; beyond it the oldest are left out.
const SERIES_MAX_BUCKETED_ROWS = 60_480

/** Read-only routes for the dashboard; open unless DASHBOARD_REQUIRE_AUTH asks for admin credentials. */
export function dashboardRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    if (deps.dashboardRequireAuth) {
      app.addHook('onRequest', async (req) => { await authorize(deps, req) })
    }
    const tags = ['dashboard']

    app.get('/api/dashboard/k6/targets', {
      schema: { tags, response: { 200: z.object({ data: z.array(TargetWithStats) }) } },
    }, async () => ({ data: (await deps.store.targetsWithStats()).map(maskTargetWithStats) }))

    app.get('/api/dashboard/k6/targets/:id/series', {
      schema: { tags, params: IdParams, querystring: SeriesQuery, response: { 200: SeriesPage } },
    }, async (req) => {
      const target = await deps.store.repos.targets.get(req.params.id)
      const hasRuns = target !== undefined || (await deps.store.repos.runs.latestForTarget(req.params.id, 1)).length > 0
      if (!hasRuns) throw new TargetNotFound({ id: req.params.id })
      const toMs = req.query.to === undefined ? Date.now() : parseIsoMs(req.query.to, 'querystring.to')
      const fromMs = req.query.from === undefined
        ? toMs - DEFAULT_SERIES_WINDOW_MS
        : parseIsoMs(req.query.from, 'querystring.from')
      if (req.query.bucket !== undefined) {
        const bucketMs = seriesBucketMs(req.query.bucket) ?? 0
        if (toMs >= fromMs && (toMs - fromMs) / bucketMs > SERIES_MAX_POINTS) {
          throw new RequestInvalid({ issues: [{
            path: 'querystring.bucket',
            message: `more than ${SERIES_MAX_POINTS} buckets in the window: choose a wider bucket or a shorter window`,
          }] })
        }
        const rows = await deps.store.repos.runs.seriesRows({
          targetId: req.params.id, fromMs, toMs, maxRows: SERIES_MAX_BUCKETED_ROWS,
        })
        return { bucketMs, data: bucketRuns(rows, bucketMs) }
      }
      return {
        data: await deps.store.repos.runs.series({
          targetId: req.params.id, fromMs, toMs, maxPoints: SERIES_MAX_POINTS,
        }),
      }
    })

    app.get('/api/dashboard/k6/targets/:id/changes', {
      schema: { tags, params: IdParams, querystring: ChangesQuery, response: { 200: ChangesPage } },
    }, async (req) => {
      const target = await deps.store.repos.targets.get(req.params.id)
      if (target === undefined) throw new TargetNotFound({ id: req.params.id })
      return { data: await deps.store.listChanges(req.params.id, req.query) }
    })

    app.get('/api/dashboard/k6/targets/:id/baseline', {
      schema: { tags, params: IdParams, response: { 200: TargetBaseline } },
    }, async (req) => await deps.store.targetBaseline(req.params.id))

    app.get('/api/dashboard/k6/agents', {
      schema: { tags, response: { 200: z.object({ data: z.array(Agent), fleet: FleetStatus }) } },
    }, async () => ({ data: await deps.store.repos.agents.list(), fleet: await fleetStatusOf(deps) }))

    app.get('/api/dashboard/k6/fleet', {
      schema: { tags, response: { 200: FleetStatus } },
    }, async () => await fleetStatusOf(deps))

    app.get('/api/dashboard/k6/runs', {
      schema: { tags, querystring: RunsQuery, response: { 200: RunsPage } },
    }, async (req) => {
      const { targetId, status, cursor, limit } = req.query
      const page = await deps.store.repos.runs.list({ targetId, status, cursor, limit })
      return { data: page.data.map(maskRun), pagination: { nextCursor: page.nextCursor, limit } }
    })

    app.get('/api/dashboard/k6/runs/:id', {
      schema: { tags, params: IdParams, response: { 200: RunDetail } },
    }, async (req) => {
      const run = await deps.store.repos.runs.getDetail(req.params.id)
      if (run === undefined) throw new RunNotFound({ id: req.params.id })
      const [neighbours, baseline] = await Promise.all([
        deps.store.repos.runs.neighbours({ id: run.id, targetId: run.targetId, startedAt: Date.parse(run.startedAt) }),
        deps.store.compareRunToBaseline(run),
      ])
      const masked = maskRun({ ...run, summary: run.summary === null ? null : maskDeep(run.summary) })
      return { ...masked, ...neighbours, baseline }
    })

    app.get('/api/dashboard/k6/runs/:id/summary-export', {
      schema: { tags, params: IdParams, response: { 200: z.record(z.string(), z.unknown()) } },
    }, async (req, reply) => {
      const run = await deps.store.repos.runs.getDetail(req.params.id)
      if (run === undefined) throw new RunNotFound({ id: req.params.id })
      const summary = run.summary
      // Only an engine's RunResult can be exported; an error run may carry none.
      if (summary === null || typeof summary.metrics !== 'object' || summary.metrics === null) {
        throw new RunSummaryMissing({ id: run.id })
      }
      let exported: Record<string, unknown>
      try {
        exported = toK6SummaryExport(summary as unknown as RunResult) as unknown as Record<string, unknown>
      } catch (err) {
        throw new RunSummaryMissing({ id: run.id }, { cause: err })
      }
      void reply.header('content-disposition', `attachment; filename="loadfleet-run-${run.id}-summary-export.json"`)
      return maskDeep(exported)
    })
  }
}
