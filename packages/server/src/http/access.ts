import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '@loadfleet/api'
import { PermissionDenied, WorkloadIdentityRefused } from '../errors.js'
import type { RouteDeps } from './deps.js'
import type { Principal } from './auth.js'
import { sessionPrincipal } from './sessions.js'

/**
 * What a route needs. `read`: see sites, runs, alerts, settings. `edit`: change sites, baselines, accepted changes,
 * alert rules and silences. `admin`: tokens, alert channels, configuration, fleet, audit log. `agent` routes take an
 * agent's credential and `public` ones nothing; neither accepts a user's token.
 */
export type Permission = 'read' | 'edit' | 'admin'
export type RouteAccess = Permission | 'agent' | 'public'

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  editor: ['read', 'edit'],
  admin: ['read', 'edit', 'admin'],
}

/**
 * Every API route, `METHOD /path` as registered, with what it needs. A route missing here stops the app from
 * building (see `assertClassified`), so a new route cannot be reachable by a role by accident.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /api/admin/k6/targets': 'read',
  'POST /api/admin/k6/targets': 'edit',
  'GET /api/admin/k6/targets/:id': 'read',
  'PATCH /api/admin/k6/targets/:id': 'edit',
  'DELETE /api/admin/k6/targets/:id': 'edit',
  'PUT /api/admin/k6/targets/:id/baseline': 'edit',
  'DELETE /api/admin/k6/targets/:id/baseline': 'edit',
  'POST /api/admin/k6/targets/:id/changes/:changeId/accept': 'edit',
  'GET /api/admin/config': 'read',
  'PUT /api/admin/config': 'admin',
  'GET /api/admin/audit': 'admin',
  'GET /api/admin/audit/export': 'admin',
  'POST /api/admin/fleet/reconcile': 'admin',
  'POST /api/admin/apply': 'edit',
  'POST /api/admin/gates': 'edit',
  'POST /api/admin/k6/targets/:id/run': 'edit',
  'GET /api/admin/alerts/channels': 'read',
  'POST /api/admin/alerts/channels': 'admin',
  'PATCH /api/admin/alerts/channels/:id': 'admin',
  'DELETE /api/admin/alerts/channels/:id': 'admin',
  'POST /api/admin/alerts/channels/:id/test': 'admin',
  'GET /api/admin/alerts/rules': 'read',
  'POST /api/admin/alerts/rules': 'edit',
  'PATCH /api/admin/alerts/rules/:id': 'edit',
  'DELETE /api/admin/alerts/rules/:id': 'edit',
  'GET /api/admin/alerts/silences': 'read',
  'POST /api/admin/alerts/silences': 'edit',
  'DELETE /api/admin/alerts/silences/:id': 'edit',
  'POST /api/admin/k6/distributed-runs': 'edit',
  'GET /api/admin/tokens': 'admin',
  'POST /api/admin/tokens': 'admin',
  'DELETE /api/admin/tokens/:id': 'admin',
  'GET /api/dashboard/k6/targets': 'read',
  'GET /api/dashboard/k6/targets/:id/series': 'read',
  'GET /api/dashboard/k6/targets/:id/changes': 'read',
  'GET /api/dashboard/k6/targets/:id/baseline': 'read',
  'GET /api/dashboard/k6/agents': 'read',
  'GET /api/dashboard/alerts': 'read',
  'GET /api/dashboard/k6/fleet': 'read',
  'GET /api/dashboard/k6/runs': 'read',
  'GET /api/dashboard/k6/runs/:id': 'read',
  'GET /api/dashboard/k6/runs/:id/summary-export': 'read',
  'GET /api/dashboard/apps': 'read',
  'GET /api/dashboard/apps/:name': 'read',
  'GET /api/dashboard/apps/:name/gates': 'read',
  'GET /api/dashboard/apps/:name/revisions/:sha': 'read',
  'GET /api/dashboard/apps/:name/revisions/:sha/evidence': 'read',
  'GET /api/dashboard/k6/distributed-runs/:id': 'read',
  'POST /api/k6/agents/register': 'agent',
  'POST /api/k6/agents/:name/heartbeat': 'agent',
  'POST /api/k6/agents/:name/leave': 'agent',
  'GET /api/k6/agents/:name/targets': 'agent',
  'POST /api/k6/agents/:name/runs': 'agent',
  'POST /api/k6/agents/:name/runs/:runId/finish': 'agent',
  'GET /api/auth/me': 'public',
  'GET /api/auth/login': 'public',
  'GET /api/auth/callback': 'public',
  'POST /api/auth/logout': 'public',
  'POST /api/k6/agents/:name/parts/claim': 'agent',
  'GET /api/k6/agents/:name/parts/:runId/:index': 'agent',
  'POST /api/k6/agents/:name/parts/:runId/:index/accept': 'agent',
  'POST /api/k6/agents/:name/parts/:runId/:index/finish': 'agent',
  'GET /api/admin/browser/sites': 'read',
  'POST /api/admin/browser/sites': 'edit',
  'GET /api/admin/browser/sites/:id': 'read',
  'PATCH /api/admin/browser/sites/:id': 'edit',
  'DELETE /api/admin/browser/sites/:id': 'edit',
  'GET /api/dashboard/browser/sites': 'read',
  'GET /api/dashboard/browser/runs': 'read',
  'GET /api/dashboard/browser/runs/:id': 'read',
  'GET /api/dashboard/browser/runs/:id/screenshot': 'read',
  'GET /api/browser/agents/:name/sites': 'agent',
  'POST /api/browser/agents/:name/runs': 'agent',
  'POST /api/browser/agents/:name/runs/:runId/finish': 'agent',
  'GET /api/metrics': 'public',
  'GET /healthz': 'public',
  'GET /readyz': 'public',
}

/** What `METHOD url` needs; undefined for an API route nobody classified. */
export function accessOf (method: string, url: string): RouteAccess | undefined {
  const listed = ROUTE_ACCESS[`${method} ${url}`]
  if (listed !== undefined) return listed
  // HEAD answers as GET does; the API docs and the dashboard's static files are public.
  if (method === 'HEAD') return accessOf('GET', url)
  if (url === '/api/docs' || url.startsWith('/api/docs/')) return 'public'
  return url === '/api' || url.startsWith('/api/') || url === '/healthz' || url === '/readyz' ? undefined : 'public'
}

/** Throws when an API route has no access class: called for every route as it is registered. */
export function assertClassified (method: string, url: string): void {
  if (accessOf(method, url) === undefined) {
    throw new Error(`route ${method} ${url} has no access class: add it to ROUTE_ACCESS in http/access.ts`)
  }
}

/**
 * Authenticates the caller (the break-glass admin's basic auth, an API token, a CI token or a session) and checks
 * its role has what the route needs; answers the actor the audit trail records. An unclassified route needs
 * `admin` (fails closed).
 */
export async function authorize (deps: RouteDeps, req: FastifyRequest): Promise<string> {
  const principal = await principalOf(deps, req)
  const route = req.routeOptions.url ?? req.url
  const access = accessOf(req.method, route)
  const permission: Permission = access === 'read' || access === 'edit' ? access : 'admin'
  if (ROLE_PERMISSIONS[principal.role].includes(permission)) return principal.actor
  const denied = { permission, role: principal.role, route: `${req.method} ${route}` }
  req.log.warn({ auth: 'token', reason: 'permission_denied', actor: principal.actor, ...denied }, 'permission denied')
  // Only authenticated callers get here, so the audit trail cannot be flooded by anonymous requests.
  await deps.store.repos.audit.add({
    at: Date.now(), actor: principal.actor, action: 'deny', entity: 'route', entityId: null, change: { ...denied, ip: req.ip },
  })
  throw new PermissionDenied(denied)
}

/**
 * Who is calling: an Authorization header (basic auth, an API token, a CI token) wins over a session cookie, which a
 * browser sends with every request; without either, the caller is refused as unauthenticated.
 */
async function principalOf (deps: RouteDeps, req: FastifyRequest): Promise<Principal> {
  if (req.headers.authorization === undefined) {
    const session = await sessionPrincipal(deps, req)
    if (session !== undefined) return session
  }
  return await deps.auth.principal(req, deps.store.repos.tokens).catch(async (err: unknown) => {
    if (err instanceof WorkloadIdentityRefused) await auditRefusedSignIn(deps, req, err.details as object)
    throw err
  })
}

/**
 * A refused CI token goes to the audit trail with what it claimed (unverified, so not as the actor). Refusals are
 * limited per address like wrong passwords, so one address cannot flood the trail.
 */
async function auditRefusedSignIn (deps: RouteDeps, req: FastifyRequest, claimed: object): Promise<void> {
  await deps.store.repos.audit.add({
    at: Date.now(), actor: 'anonymous', action: 'sign_in_failed', entity: 'workload_identity', entityId: null,
    change: { ...claimed, route: `${req.method} ${req.routeOptions.url ?? req.url}`, ip: req.ip },
  })
}

/**
 * Authorizes every request of a plugin's routes before its handler runs, and answers the function that names the
 * request's actor for the audit trail.
 */
export function authorizeEach (app: FastifyInstance, deps: RouteDeps): (req: FastifyRequest) => string {
  const actors = new WeakMap<FastifyRequest, string>()
  app.addHook('onRequest', async (req) => {
    actors.set(req, await authorize(deps, req))
  })
  return (req) => actors.get(req) ?? 'unknown'
}
