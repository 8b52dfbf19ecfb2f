import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { RouteDeps } from '../deps.js'

/** Health, readiness and Prometheus metrics: open, for probes and scrapers. */
export function operationsRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const tags = ['operations']

    app.get('/healthz', {
      schema: { tags, response: { 200: z.object({ status: z.literal('ok') }) } },
    }, () => ({ status: 'ok' as const }))

    app.get('/readyz', {
      schema: { tags, response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable'), message: z.string() }) } },
    }, async (req, reply) => {
      try {
        await deps.store.ping()
        return { status: 'ready' as const }
      } catch (err) {
        req.log.warn({ err }, 'database unreachable')
        return reply.code(503).send({ status: 'unavailable' as const, message: 'database unreachable' })
      }
    })

    app.get('/api/metrics', { schema: { tags, produces: ['text/plain'] } }, async (_req, reply) => {
      const text = await deps.metrics.registry.metrics()
      return reply.type(deps.metrics.registry.contentType).send(text)
    })
  }
}
