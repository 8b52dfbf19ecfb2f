import { z } from 'zod'

/**
 * What each role may do. `viewer`: read every site, run, alert and setting. `editor`: also change sites, baselines,
 * accepted changes, alert rules and silences. `admin`: everything, including tokens, alert channels, the
 * configuration and the fleet.
 */
export const ROLES = ['viewer', 'editor', 'admin'] as const
export const Role = z.enum(ROLES)
export type Role = z.infer<typeof Role>

/** Token lifetimes: a day at least, five years at most (a token that must outlive that is better rotated). */
export const TOKEN_EXPIRY_DAYS_MAX = 1825

/** `POST /api/admin/tokens`: a token for CI or a script. */
export const ApiTokenCreate = z.strictObject({
  name: z.string().min(1).max(100).regex(/^[\p{L}\p{N} ._:@/-]+$/u, 'expected letters, digits, spaces and ._:@/-')
    .describe('What the token is for, e.g. "ci-deploy"'),
  role: Role.describe('viewer (read), editor (sites, alert rules, silences, baselines, changes) or admin (everything)'),
  expiresInDays: z.int().min(1).max(TOKEN_EXPIRY_DAYS_MAX).optional().describe('Absent = never expires'),
})
export type ApiTokenCreate = z.input<typeof ApiTokenCreate>

/** A token as listed: never the token itself, which only its creation answers. */
export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable().describe('Updated at most once a minute'),
})
export type ApiToken = z.infer<typeof ApiToken>

/** The answer to a creation: the token, shown this once (the server keeps only its SHA-256). */
export const ApiTokenCreated = z.object({
  id: z.string(),
  token: z.string().describe('`lf_` + 32 random bytes (base64url); send it as `Authorization: Bearer lf_…`'),
})
export type ApiTokenCreated = z.infer<typeof ApiTokenCreated>

/** `GET /api/auth/me`: whether single sign-on is on, and who the session cookie belongs to. */
export const AuthMe = z.object({
  oidc: z.boolean().describe('Single sign-on (OIDC) is configured: the dashboard offers "Sign in with SSO"'),
  requireAuth: z.boolean().describe('The read API needs a session, token or the admin credentials'),
  user: z.object({
    name: z.string().nullable(),
    email: z.string().nullable(),
    subject: z.string(),
    role: Role,
  }).nullable().describe('The signed-in user, or null without a live session'),
  csrfToken: z.string().nullable().describe('Send as X-CSRF-Token with every change made with the session cookie'),
  expiresAt: z.string().optional().describe('When the session ends'),
})
export type AuthMe = z.infer<typeof AuthMe>
