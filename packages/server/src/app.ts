import Fastify, { LogController, type FastifyInstance } from 'fastify'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { RouteDeps } from './http/deps.js'
import {
  BODY_LIMIT_BYTES, PATH_PARAM_MAX_CHARS, clientErrorHandler, frameworkErrors, installErrorHandler,
} from './http/error-handler.js'
import { installInputGuard } from './http/input-guard.js'
import { installAuditHooks } from './http/audit-hooks.js'
import { adminRoutes } from './http/routes/admin-routes.js'
import { dashboardRoutes } from './http/routes/dashboard-routes.js'
import { agentRoutes } from './http/routes/agent-routes.js'
import { operationsRoutes } from './http/routes/operations-routes.js'
import { alertAdminRoutes, alertDashboardRoutes } from './http/routes/alerts-routes.js'
import { tokenRoutes } from './http/routes/token-routes.js'
import { appDashboardRoutes, gateAdminRoutes } from './http/routes/apps-routes.js'
import { authRoutes } from './http/routes/auth-routes.js'
import { distributedRoutes } from './http/routes/distributed-routes.js'
import { DistributedRuns } from './distributed/distributed-runs.js'
import { browserAdminRoutes, browserAgentRoutes, browserDashboardRoutes } from './http/routes/browser-routes.js'
import { assertClassified } from './http/access.js'
import { installSecurityHeaders, registerWeb } from './http/web-static.js'
import { REDACTED_PATHS } from './logger.js'
import type { LogDestination } from './log-format.js'

/** One registered route, as the role matrix enumerates them. */
export interface RouteEntry { method: string, url: string }

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app registered (method and URL pattern), in registration order. */
    routeTable: RouteEntry[]
  }
}

export interface AppOptions {
  deps: RouteDeps
  logLevel: string
  /** packages/web/dist, or undefined to serve a "not built" page. */
  webDist: string | undefined
  version: string
  /** Where the log goes (stdout by default, as JSON); tests read it, a terminal gets readable lines. */
  logStream?: LogDestination
}

/** Builds the HTTP app without listening, so tests can drive it with app.inject(). */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    bodyLimit: BODY_LIMIT_BYTES,
    // Per-request logs would dominate the output at 1,000 agents; failures are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // The error handler answers 503 LF_SERVER_CLOSING itself, in the common body shape.
    return503OnClosing: false,
    routerOptions: { maxParamLength: PATH_PARAM_MAX_CHARS },
    frameworkErrors,
    clientErrorHandler,
    forceCloseConnections: 'idle',
  })
  const routeTable: RouteEntry[] = []
  app.decorate('routeTable', routeTable)
  // Every route gets an access class before it can answer, so none is reachable by a role by accident.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      assertClassified(method, route.url)
      routeTable.push({ method, url: route.url })
    }
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  installErrorHandler(app)
  installInputGuard(app)
  installSecurityHeaders(app)
  installAuditHooks(app, options.deps)
  const { httpDuration } = options.deps.metrics
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched'
    httpDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
    done()
  })

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Loadfleet control plane', version: options.version },
      components: {
        securitySchemes: {
          basicAuth: { type: 'http', scheme: 'basic', description: 'ADMIN_BASIC_AUTH (user:password)' },
          bearerAuth: {
            type: 'http', scheme: 'bearer',
            description: 'API tokens (lf_…) on admin and dashboard routes; agents: DASHBOARD_SECRET to register, then ' +
              'the credential registration answers',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true })

  await app.register(adminRoutes(options.deps))
  await app.register(dashboardRoutes(options.deps))
  await app.register(agentRoutes(options.deps))
  await app.register(operationsRoutes(options.deps))
  await app.register(alertAdminRoutes(options.deps))
  await app.register(alertDashboardRoutes(options.deps))
  await app.register(tokenRoutes(options.deps))
  await app.register(gateAdminRoutes(options.deps))
  await app.register(appDashboardRoutes(options.deps))
  await app.register(authRoutes(options.deps))
  await app.register(distributedRoutes(options.deps, new DistributedRuns(options.deps.store)))
  await app.register(browserAdminRoutes(options.deps))
  await app.register(browserDashboardRoutes(options.deps))
  await app.register(browserAgentRoutes(options.deps))
  await registerWeb(app, options.webDist)
  return app
}
