import { z } from 'zod'
import { TargetCreate } from './schemas.js'

/** The label apply puts on every site it manages; apply never touches a site without it. */
export const MANAGED_BY_LABEL = 'managed_by'
export const MANAGED_BY_APPLY = 'loadfleet-apply'
/** Most sites one apply may carry: a tree of apps, not a bulk import. */
export const APPLY_TARGETS_MAX = 1000

/**
 * One site apply manages, named by the app and test it comes from (its `app` and `test` labels). Secret headers are
 * left out: manifests hold secret names only, and a sealed value cannot be compared to tell whether it changed.
 */
export const AppliedTarget = TargetCreate.omit({ secretHeaders: true }).superRefine((target, ctx) => {
  for (const key of ['app', 'test']) {
    if (target.labels?.[key] === undefined || target.labels[key] === '') {
      ctx.addIssue({ code: 'custom', path: ['labels', key], message: `required: the ${key} this site comes from` })
    }
  }
})

/** Everything apply should leave on the control plane; it is applied whole or not at all. */
export const ApplyRequest = z.strictObject({
  targets: z.array(AppliedTarget).max(APPLY_TARGETS_MAX)
    .superRefine((targets, ctx) => {
      const seen = new Map<string, number>()
      targets.forEach((target, i) => {
        const key = `${target.labels.app}/${target.labels.test}`
        const first = seen.get(key)
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: [i, 'labels'], message: `app/test '${key}' is already targets.${first}` })
        }
        seen.set(key, first ?? i)
      })
    })
    .describe('The desired managed sites; each is matched to an existing one by its app and test labels'),
  prune: z.boolean().default(false).describe('Delete managed sites that are not in `targets`'),
  dryRun: z.boolean().default(false).describe('Only answer what would change'),
  revision: z.string().regex(/^[0-9A-Za-z._/-]{1,100}$/, 'expected a revision such as a Git commit SHA')
    .nullable().default(null).describe('The revision the manifests come from, recorded in the audit trail'),
})
export type ApplyRequest = z.input<typeof ApplyRequest>

/** What apply changed (or, on a dry run, would change) for one site. */
export const ApplyChange = z.object({
  action: z.enum(['create', 'update', 'delete']),
  app: z.string(),
  test: z.string(),
  /** null for a site not created yet. */
  targetId: z.string().nullable(),
  /** For updates: the fields that differ. */
  fields: z.array(z.string()),
})
export type ApplyChange = z.infer<typeof ApplyChange>

export const ApplyResult = z.object({
  dryRun: z.boolean(),
  revision: z.string().nullable(),
  changes: z.array(ApplyChange),
  /** Managed sites already as desired. */
  unchanged: z.int(),
})
export type ApplyResult = z.infer<typeof ApplyResult>
