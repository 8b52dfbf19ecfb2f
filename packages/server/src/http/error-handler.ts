import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { isLfError } from '@loadfleet/core'
import { BodyTooLarge, Internal, RequestInvalid, RouteNotFound, UnsupportedMediaType, type FieldIssue } from '../errors.js'

export const BODY_LIMIT_BYTES = 1024 * 1024

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

/** The one place errors become HTTP answers: `{ code, message, details }`, never a stack trace. */
export function installErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let error: unknown = err
    if (hasZodFastifySchemaValidationErrors(err)) {
      error = new RequestInvalid({ issues: issuesOf(err.validationContext ?? 'request', err.validation) })
    } else if (!isLfError(err)) {
      error = translateFastifyError(err) ?? err
    }
    if (!isLfError(error)) {
      req.log.error({ err }, 'unexpected error')
      error = new Internal({})
    }
    const lf = error as InstanceType<typeof Internal>
    return reply.code(lf.statusCode).send({ code: lf.code, message: lf.message, details: lf.details })
  })
}

/** 404 JSON for unknown API routes. */
export function routeNotFound (method: string, url: string): InstanceType<typeof RouteNotFound> {
  return new RouteNotFound({ method, url: url.split('?')[0] ?? url })
}
