import type { FastifyBaseLogger } from 'fastify'

export type Logger = FastifyBaseLogger

/** Header paths pino must never print: credentials travel in them. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
  'request.headers.authorization',
]
