import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { MANAGED_BY_APPLY, MANAGED_BY_LABEL, type ApplyChange, type Target } from '@loadfleet/api'
import { canonicalJson } from './canonical-json.js'
import type { TargetSpec } from './repos/targets-repo.js'
import type { Database } from './schema.js'
import type { Repos } from './store.js'

/** What `POST /api/admin/apply` asks for, parsed. */
export interface ApplySpec {
  targets: TargetSpec[]
  prune: boolean
  dryRun: boolean
  revision: string | null
  actor: string
}

const COMPARED_FIELDS = [
  'url', 'label', 'vus', 'durationS', 'runIntervalMs', 'enabled', 'thresholds', 'expectedStatuses', 'labels',
  'headers',
] as const satisfies ReadonlyArray<keyof TargetSpec>

const keyOf = (labels: Record<string, string> | undefined): string => `${labels?.app ?? ''}/${labels?.test ?? ''}`

/** The managed sites as desired: each carries the managed-by label, so a later apply finds it again. */
function managed (spec: TargetSpec): TargetSpec {
  return { ...spec, labels: { ...spec.labels, [MANAGED_BY_LABEL]: MANAGED_BY_APPLY } }
}

/** What apply would do: create what is missing, update what differs, and with `prune` delete what is gone. */
export function planApply (current: Target[], spec: Pick<ApplySpec, 'targets' | 'prune'>):
{ changes: Array<ApplyChange & { spec?: TargetSpec }>, unchanged: number } {
  const existing = new Map<string, Target>()
  for (const target of current) {
    if (target.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_APPLY) existing.set(keyOf(target.labels), target)
  }
  const changes: Array<ApplyChange & { spec?: TargetSpec }> = []
  let unchanged = 0
  const wanted = new Set<string>()
  for (const raw of spec.targets) {
    const desired = managed(raw)
    const key = keyOf(desired.labels)
    wanted.add(key)
    const [app = '', test = ''] = [desired.labels?.app, desired.labels?.test]
    const now = existing.get(key)
    if (now === undefined) {
      changes.push({ action: 'create', app, test, targetId: null, fields: [], spec: desired })
      continue
    }
    const fields = COMPARED_FIELDS.filter((f) => canonicalJson(now[f] ?? {}) !== canonicalJson(desired[f] ?? {}))
    if (fields.length === 0) unchanged++
    else changes.push({ action: 'update', app, test, targetId: now.id, fields, spec: desired })
  }
  if (spec.prune) {
    for (const [key, target] of existing) {
      if (!wanted.has(key)) {
        changes.push({ action: 'delete', app: target.labels?.app ?? '', test: target.labels?.test ?? '', targetId: target.id, fields: [] })
      }
    }
  }
  return { changes, unchanged }
}

/** Carries out a plan inside the caller's transaction; each change is audited with the revision it came from. */
export async function carryOutApply (r: Repos, trx: Kysely<Database>, plan: ReturnType<typeof planApply>['changes'],
  spec: Pick<ApplySpec, 'revision' | 'actor'>): Promise<ApplyChange[]> {
  const { actor, revision } = spec
  const done: ApplyChange[] = []
  for (const { spec: desired, ...change } of plan) {
    const at = Date.now()
    if (change.action === 'create' && desired !== undefined) {
      const target = await r.targets.create({ id: randomUUID(), spec: desired, now: at })
      await r.audit.add({ at, actor, action: 'create', entity: 'target', entityId: target.id, change: { ...target, revision } })
      done.push({ ...change, targetId: target.id })
    } else if (change.action === 'update' && desired !== undefined && change.targetId !== null) {
      const before = await r.targets.get(change.targetId)
      await r.targets.update(change.targetId, desired, at)
      const diff: Record<string, unknown> = { revision }
      for (const field of change.fields) {
        diff[field] = { from: before?.[field as keyof Target], to: desired[field as keyof TargetSpec] }
      }
      await r.audit.add({ at, actor, action: 'update', entity: 'target', entityId: change.targetId, change: diff })
      done.push(change)
    } else if (change.action === 'delete' && change.targetId !== null) {
      const before = await r.targets.get(change.targetId)
      await r.targets.delete(change.targetId)
      await trx.deleteFrom('agent_target_starts').where('target_id', '=', change.targetId).execute()
      await r.counters.deleteOf(change.targetId)
      await r.audit.add({ at, actor, action: 'delete', entity: 'target', entityId: change.targetId, change: { ...before, revision } })
      done.push(change)
    }
  }
  const count = (action: ApplyChange['action']) => done.filter((c) => c.action === action).length
  await r.audit.add({
    at: Date.now(), actor, action: 'apply', entity: 'apps', entityId: revision,
    change: { revision, created: count('create'), updated: count('update'), deleted: count('delete') },
  })
  return done
}
