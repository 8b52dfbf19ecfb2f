import type { FastifyInstance } from 'fastify'
import { BODY_MAX_DEPTH, textProblem } from '@loadfleet/api'
import { RequestInvalid, UnsupportedMediaType, type FieldIssue } from '../errors.js'

// The only charsets a JSON body may declare (RFC 8259 makes UTF-8 the one encoding of JSON on the wire).
const UTF8 = new Set(['utf-8', 'utf8'])
// Enough issues to name every problem of an honest mistake without building a huge answer for a hostile body.
const MAX_ISSUES = 20

/** The charset a Content-Type declares, lower-cased, or undefined. */
function charsetOf (contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)
  return match?.[1]?.toLowerCase()
}

/** Every string (and key) of a parsed JSON value that no store keeps exactly, and a depth bound; no recursion. */
function textIssues (root: unknown, base: string): FieldIssue[] {
  const issues: FieldIssue[] = []
  const stack: Array<[unknown, string, number]> = [[root, base, 0]]
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const [node, path, depth] = stack.pop() as [unknown, string, number]
    if (typeof node === 'string') {
      const problem = textProblem(node)
      if (problem !== undefined) issues.push({ path, message: problem })
      continue
    }
    if (typeof node !== 'object' || node === null) continue
    if (depth >= BODY_MAX_DEPTH) {
      issues.push({ path, message: `nested deeper than ${BODY_MAX_DEPTH} levels` })
      break
    }
    for (const [key, child] of Object.entries(node)) {
      const childPath = `${path}.${key}`
      const keyProblem = textProblem(key)
      if (keyProblem !== undefined) issues.push({ path: childPath, message: `field name ${keyProblem}` })
      stack.push([child, childPath, depth + 1])
    }
  }
  return issues
}

/**
 * What the server stores must round-trip on SQLite and PostgreSQL alike: bodies only in UTF-8, and no NUL or lone
 * surrogate in any text of a body, path or query (PostgreSQL refuses NUL, and drivers replace lone surrogates).
 */
export function installInputGuard (app: FastifyInstance): void {
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const contentType = req.headers['content-type']
    const charset = contentType === undefined ? undefined : charsetOf(contentType)
    if (charset !== undefined && !UTF8.has(charset)) {
      done(new UnsupportedMediaType({ contentType: contentType ?? '' }), payload)
      return
    }
    done(null, payload)
  })
  app.addHook('preValidation', (req, _reply, done) => {
    const issues = [
      ...textIssues(req.params, 'params'), ...textIssues(req.query, 'querystring'), ...textIssues(req.body, 'body'),
    ]
    done(issues.length > 0 ? new RequestInvalid({ issues: issues.slice(0, MAX_ISSUES) }) : undefined)
  })
}
