import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RouteDeps } from './deps.js'
import { accessOf } from './access.js'
import { withRequestOrigin } from '../request-origin.js'
import { WorkloadIdentityRefused } from '../errors.js'

// A name taken from a request is echoed into the audit trail: bounded, printable.
const PRESENTED_NAME_MAX_CHARS = 64

/** Who a refused request claimed to be, without any secret: the basic-auth user name, or the credential's kind. */
function claimedIdentity (req: FastifyRequest): string {
  const header = req.headers.authorization?.trim() ?? ''
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header)?.[1]
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8')
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : ''
    return `user:${user.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, PRESENTED_NAME_MAX_CHARS)}`
  }
  if (/^Bearer lf_/i.test(header)) return 'token'
  if (/^Bearer /i.test(header)) return 'bearer'
  return 'unknown'
}

/**
 * Audits the request's origin on every change and every refused sign-in on the user-facing routes (the audit log is
 * where an admin looks for who tried what). A request without credentials is a signed-out dashboard, not an attempt;
 * agents' refusals are logged and counted, but a fleet re-registering must not flood the trail.
 */
export function installAuditHooks (app: FastifyInstance, deps: RouteDeps): void {
  // A CI identity's refused JWT is audited where it is checked, with the issuer, subject and reason it failed for.
  const auditedWhereChecked = new WeakSet<FastifyRequest>()
  app.addHook('onRequest', (req, _reply, done) => { withRequestOrigin(req.ip, done) })
  app.addHook('onError', (req, _reply, error, done) => {
    if (error instanceof WorkloadIdentityRefused) auditedWhereChecked.add(req)
    done()
  })
  app.addHook('onResponse', (req, reply, done) => {
    done()
    if (reply.statusCode !== 401 || req.headers.authorization === undefined) return
    if (auditedWhereChecked.has(req)) return
    const route = req.routeOptions.url
    const access = route === undefined ? undefined : accessOf(req.method, route)
    if (access !== 'read' && access !== 'edit' && access !== 'admin') return
    deps.store.repos.audit.add({
      at: Date.now(), actor: claimedIdentity(req), action: 'sign_in_failed', entity: 'route', entityId: null,
      change: { route: `${req.method} ${route ?? req.url}` }, address: req.ip,
    }).catch((err: unknown) => { req.log.error({ err }, 'could not audit a refused sign-in') })
  })
}
