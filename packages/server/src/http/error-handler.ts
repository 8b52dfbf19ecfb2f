import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { isLfError, type LfError } from '@loadfleet/core'
import { AGENT_NAME_MAX_CHARS } from '@loadfleet/api'
import {
  BodyTooLarge, DatabaseUnavailable, HeadersTooLarge, Internal, PathParamTooLong, RequestInvalid, RequestTimeout,
  RouteNotFound, ServerClosing, UnsupportedMediaType, type FieldIssue,
} from '../errors.js'
import { isDatabaseUnavailable } from '../db/database.js'

export const BODY_LIMIT_BYTES = 1024 * 1024
// The longest path parameter is an agent name; one number, so every name registration accepts also routes.
export const PATH_PARAM_MAX_CHARS = AGENT_NAME_MAX_CHARS

type AnyLfError = LfError

function bodyOf (error: AnyLfError): { code: string, message: string, details: unknown } {
  return { code: error.code, message: error.message, details: error.details }
}

interface ZodValidationItem { instancePath: string, message?: string, keyword: string, params: { keys?: unknown } }

function issuesOf (context: string, items: ZodValidationItem[]): FieldIssue[] {
  const issues: FieldIssue[] = []
  for (const item of items) {
    const base = context + item.instancePath.replaceAll('/', '.').replace(/\.$/, '')
    if (item.keyword === 'unrecognized_keys' && Array.isArray(item.params.keys)) {
      for (const key of item.params.keys) issues.push({ path: `${base}.${String(key)}`, message: 'unknown field' })
    } else {
      issues.push({ path: base, message: item.message ?? 'invalid value' })
    }
  }
  return issues
}

/** Maps a framework-level failure to our error; undefined when it is not one. */
function translateFastifyError (err: FastifyError): Error | undefined {
  switch (err.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH': return new PathParamTooLong({ maxChars: PATH_PARAM_MAX_CHARS })
    case 'FST_ERR_BAD_URL':
      return new RequestInvalid({ issues: [{ path: 'url', message: 'malformed percent-encoding in the path' }] })
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new BodyTooLarge({ limitBytes: BODY_LIMIT_BYTES })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new UnsupportedMediaType({ contentType: '' })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RequestInvalid({ issues: [{ path: 'body', message: 'expected a JSON body, got an empty one' }] })
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new RequestInvalid({ issues: [{ path: 'body', message: `malformed JSON: ${err.message}` }] })
  }
  if (err instanceof SyntaxError) {
    return new RequestInvalid({ issues: [{ path: 'body', message: `malformed JSON: ${err.message}` }] })
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new RequestInvalid({ issues: [{ path: 'request', message: err.message }] })
  }
  return undefined
}

// During an outage every request fails the same way: log the first failure, then one line per interval.
const DATABASE_LOG_INTERVAL_MS = 10_000
let lastDatabaseLogAt = 0
let databaseFailuresSinceLog = 0

function toLfError (err: FastifyError, req: FastifyRequest): AnyLfError {
  if (isLfError(err)) return err
  if (hasZodFastifySchemaValidationErrors(err)) {
    return new RequestInvalid({ issues: issuesOf(err.validationContext ?? 'request', err.validation) })
  }
  if (isDatabaseUnavailable(err)) {
    databaseFailuresSinceLog++
    if (Date.now() - lastDatabaseLogAt >= DATABASE_LOG_INTERVAL_MS) {
      req.log.warn({ reason: err.message, code: err.code, failures: databaseFailuresSinceLog }, 'database unavailable')
      lastDatabaseLogAt = Date.now()
      databaseFailuresSinceLog = 0
    }
    return new DatabaseUnavailable({})
  }
  const translated = translateFastifyError(err)
  if (translated !== undefined && isLfError(translated)) return translated
  req.log.error({ err }, 'unexpected error')
  return new Internal({})
}

/** A raw HTTP answer in our body shape, for failures that happen before fastify has a request. */
function rawAnswer (error: AnyLfError): string {
  const body = JSON.stringify(bodyOf(error))
  return `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? ''}\r\nConnection: close\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

/**
 * The one place errors become HTTP answers: `{ code, message, details }`, never a stack trace — including
 * fastify's own refusals (bad URL, over-long path parameter, shutting down) and malformed HTTP.
 */
export function installErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const lf = toLfError(err, req)
    if (lf.statusCode === 503) reply.header('retry-after', '5')
    const retryAfterS = (lf.details as { retryAfterS?: unknown } | undefined)?.retryAfterS
    if (typeof retryAfterS === 'number') reply.header('retry-after', String(retryAfterS))
    return reply.code(lf.statusCode).send(bodyOf(lf))
  })
  // fastify answers 503 with its own body while closing; this hook answers in ours instead (return503OnClosing off).
  let closing = false
  app.addHook('preClose', (done) => { closing = true; done() })
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done()
    reply.header('connection', 'close')
    done(new ServerClosing({}))
  })
}

/** fastify's `frameworkErrors`: routing failures that happen before any hook runs. */
export function frameworkErrors (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const lf = toLfError(err, req)
  void reply.code(lf.statusCode).send(bodyOf(lf))
}

/** Node's `clientError`: malformed HTTP, oversized headers, a request that took too long to arrive. */
export function clientErrorHandler (err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const error = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? new RequestTimeout({})
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? new HeadersTooLarge({})
      : new RequestInvalid({ issues: [{ path: 'request', message: 'malformed HTTP request' }] })
  if (socket.writable) socket.write(rawAnswer(error))
  socket.destroy(err)
}

/** 404 JSON for unknown API routes. */
export function routeNotFound (method: string, url: string): InstanceType<typeof RouteNotFound> {
  return new RouteNotFound({ method, url: url.split('?')[0] ?? url })
}
