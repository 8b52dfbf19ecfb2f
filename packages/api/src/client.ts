/**
 * The API client without the zod schemas: what an agent needs at start (client, routes, plain checks) at a
 * fraction of the memory. Types still come from the schemas, at no runtime cost.
 */
export { ApiClient, ApiError } from './v1/client.js'
export type { ApiClientOptions, Page } from './v1/client.js'
export { ROUTES } from './v1/routes.js'
export * from './v1/plain-checks.js'
export * from './v1/header-checks.js'
export type * from './v1/schemas.js'
export * from './v1/expected-statuses.js'
export type * from './v1/judging.js'
export type * from './v1/alerts.js'
export type * from './v1/tokens.js'
export * from './v1/alert-condition.js'
export type * from './v1/gates.js'
export type * from './v1/distributed.js'
export type * from './v1/browser.js'
export { rateVital, WEB_VITAL_THRESHOLDS } from '@loadfleet/core/base'
export type { BrowserCheckResult, VitalRating, WebVital } from '@loadfleet/core/base'
