import type { AppNode } from './load-app-tree.js'
import type { AppDefaultsSpec, AppManifest } from './schema.js'

/** A setting's value and where it came from: `file:line`, or `built-in`. */
export interface Sourced<T> {
  value: T
  from: string
}

/** A test's settings after inheritance, each with its source. */
export interface EffectiveSettings {
  vus: Sourced<number>
  durationMs: Sourced<number>
  intervalMs: Sourced<number>
  expectedStatuses: Sourced<Array<number | string>>
  schedule: Sourced<'continuous' | 'on-demand'>
  /** Per metric: the nearest layer naming the metric wins; `[]` removes an inherited metric. */
  thresholds: Record<string, Sourced<string[]>>
  /** Per header name: the nearest layer naming it wins. */
  headers: Record<string, Sourced<string>>
}

/** One test of an app with its effective settings. */
export interface EffectiveTest extends EffectiveSettings {
  name: string
  kind: 'url' | 'file' | 'script'
  /** The URL, or the file or script path resolved against the manifest's directory. */
  location: Sourced<string>
}

/** An app after inheritance. */
export interface EffectiveApp {
  name: string
  file: string
  parent: string | null
  labels: Record<string, string>
  dependsOn: string[]
  /** `undefined` = no app on the way up restricts egress. */
  egress: Sourced<string[]> | undefined
  /** Roles no app on the way up sets are absent: not restricted beyond admin access. */
  roles: Partial<Record<'view' | 'edit' | 'run', Sourced<string[]>>>
  /** Union down the tree; each name where it was first declared. */
  secrets: Array<Sourced<string>>
  tests: EffectiveTest[]
  gate: AppManifest['spec']['gate']
}

const BUILT_IN = 'built-in'

/** What a test gets when no app on its way up says otherwise: the control plane's own site defaults. */
export const BUILT_IN_SETTINGS: EffectiveSettings = {
  vus: { value: 1, from: BUILT_IN },
  durationMs: { value: 30_000, from: BUILT_IN },
  intervalMs: { value: 60_000, from: BUILT_IN },
  expectedStatuses: { value: ['200-399'], from: BUILT_IN },
  schedule: { value: 'continuous', from: BUILT_IN },
  thresholds: {},
  headers: {},
}

/** The apps from the root down to `node`. */
export function lineage (node: AppNode): AppNode[] {
  const chain: AppNode[] = []
  for (let n: AppNode | undefined = node; n !== undefined; n = n.parent) chain.unshift(n)
  return chain
}

/**
 * Layers one set of settings over another. Scalars and arrays replace; `thresholds` merge per metric (a metric
 * named again replaces the inherited expressions, `[]` removes them); `headers` merge per name.
 */
function layer (base: EffectiveSettings, over: AppDefaultsSpec | undefined, where: (key: PropertyKey[]) => string,
  prefix: PropertyKey[]): EffectiveSettings {
  if (over === undefined) return base
  const at = (...key: PropertyKey[]) => where([...prefix, ...key])
  const next: EffectiveSettings = { ...base, thresholds: { ...base.thresholds }, headers: { ...base.headers } }
  if (over.vus !== undefined) next.vus = { value: over.vus, from: at('vus') }
  if (over.duration !== undefined) next.durationMs = { value: over.duration, from: at('duration') }
  if (over.interval !== undefined) next.intervalMs = { value: over.interval, from: at('interval') }
  if (over.expectedStatuses !== undefined) next.expectedStatuses = { value: over.expectedStatuses, from: at('expectedStatuses') }
  if (over.schedule !== undefined) next.schedule = { value: over.schedule, from: at('schedule') }
  for (const [metric, list] of Object.entries(over.thresholds ?? {})) {
    if (list.length === 0) delete next.thresholds[metric]
    else next.thresholds[metric] = { value: list, from: at('thresholds', metric) }
  }
  for (const [name, value] of Object.entries(over.headers ?? {})) next.headers[name] = { value, from: at('headers', name) }
  return next
}

/** The nearest setting of a field up the tree (the app itself first). */
function nearest<T> (node: AppNode, pick: (m: AppManifest) => T | undefined, path: PropertyKey[]):
Sourced<T> | undefined {
  for (let n: AppNode | undefined = node; n !== undefined; n = n.parent) {
    const value = pick(n.manifest)
    if (value !== undefined) return { value, from: n.where(path) }
  }
  return undefined
}

/** The egress in force for `node`: its own, else the nearest ancestor's. */
export function effectiveEgress (node: AppNode): Sourced<string[]> | undefined {
  return nearest(node, (m) => m.spec.egress, ['spec', 'egress'])
}

/** The members of a role in force for `node`. */
export function effectiveRole (node: AppNode, role: 'view' | 'edit' | 'run'): Sourced<string[]> | undefined {
  return nearest(node, (m) => m.spec.roles?.[role], ['spec', 'roles', role])
}

/** Secrets declared by `node` and its ancestors. */
export function effectiveSecrets (node: AppNode): Array<Sourced<string>> {
  const seen = new Map<string, Sourced<string>>()
  for (const n of lineage(node)) {
    for (const [i, name] of (n.manifest.spec.secrets ?? []).entries()) {
      if (!seen.has(name)) seen.set(name, { value: name, from: n.where(['spec', 'secrets', i]) })
    }
  }
  return [...seen.values()]
}

/** The app's defaults after inheritance from its ancestors. */
export function effectiveDefaults (node: AppNode): EffectiveSettings {
  let settings = BUILT_IN_SETTINGS
  for (const n of lineage(node)) settings = layer(settings, n.manifest.spec.defaults, n.where, ['spec', 'defaults'])
  return settings
}

/** Everything an app ends up with, and where each piece came from. */
export function effectiveApp (node: AppNode, resolvePath: (node: AppNode, relative: string) => string): EffectiveApp {
  const defaults = effectiveDefaults(node)
  const tests = Object.entries(node.manifest.spec.tests ?? {}).map(([name, test]): EffectiveTest => {
    const prefix = ['spec', 'tests', name]
    const kind = test.url !== undefined ? 'url' : test.file !== undefined ? 'file' : 'script'
    const raw = test.url ?? test.file ?? test.script ?? ''
    return {
      name, kind,
      location: { value: kind === 'url' ? raw : resolvePath(node, raw), from: node.where([...prefix, kind]) },
      ...layer(defaults, test, node.where, prefix),
    }
  })
  const roles: EffectiveApp['roles'] = {}
  for (const role of ['view', 'edit', 'run'] as const) {
    const members = effectiveRole(node, role)
    if (members !== undefined) roles[role] = members
  }
  return {
    name: node.name, file: node.file, parent: node.parent?.name ?? null,
    labels: node.manifest.metadata.labels ?? {},
    dependsOn: node.manifest.spec.dependsOn ?? [],
    egress: effectiveEgress(node), roles, secrets: effectiveSecrets(node), tests,
    gate: node.manifest.spec.gate,
  }
}
