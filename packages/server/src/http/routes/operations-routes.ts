import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { RouteDeps } from '../deps.js'
import { DatabaseUnavailable } from '../../errors.js'

/** Health, readiness and Prometheus metrics: open, for probes and scrapers. */
export function operationsRoutes (deps: RouteDeps) {
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    const tags = ['operations']

    app.get('/healthz', {
      schema: { tags, response: { 200: z.object({ status: z.literal('ok') }) } },
    }, () => ({ status: 'ok' as const }))

    app.get('/readyz', {
      schema: {
        tags,
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable'), code: z.string(), message: z.string(), details: z.unknown() }),
        },
      },
    }, async (req, reply) => {
      try {
        await deps.store.ping()
        return { status: 'ready' as const }
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        req.log.warn({ reason }, 'database unreachable')
        const error = new DatabaseUnavailable({})
        return reply.code(503).header('retry-after', '5')
          .send({ status: 'unavailable' as const, code: error.code, message: error.message, details: error.details })
      }
    })

    app.get('/api/metrics', { schema: { tags, produces: ['text/plain'] } }, async (_req, reply) => {
      const text = await deps.metrics.registry.metrics()
      return reply.type(deps.metrics.registry.contentType).send(text)
    })
  }
}
