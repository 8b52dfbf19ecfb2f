import { effectiveApp, resolveFromManifest, type AppTree, type EffectiveTest } from '@loadfleet/core'
import type { TargetCreate } from '@loadfleet/api'

/** The sites a tree of apps asks for, and the tests that cannot be sites (with why). */
export interface DesiredTargets {
  targets: TargetCreate[]
  skipped: Array<{ app: string, test: string, why: string }>
}

/**
 * One site per URL test: labelled `app` and `test` (its identity for later applies) plus the app's own labels.
 * Durations become whole seconds, rounded up, as sites keep them.
 */
export function desiredTargets (tree: AppTree): DesiredTargets {
  const targets: TargetCreate[] = []
  const skipped: DesiredTargets['skipped'] = []
  for (const node of tree.apps.values()) {
    const app = effectiveApp(node, resolveFromManifest)
    for (const test of app.tests) {
      if (test.kind !== 'url') {
        skipped.push({ app: app.name, test: test.name, why: `a ${test.kind === 'file' ? 'YAML test file' : 'k6 script'}; sites run URL tests only` })
        continue
      }
      targets.push(targetOf(app.name, app.labels, test))
    }
  }
  return { targets, skipped }
}

function targetOf (app: string, labels: Record<string, string>, test: EffectiveTest): TargetCreate {
  return {
    url: test.location.value,
    label: `${app}/${test.name}`,
    vus: test.vus.value,
    durationS: Math.max(1, Math.ceil(test.durationMs.value / 1000)),
    runIntervalMs: Math.max(1000, Math.round(test.intervalMs.value)),
    enabled: test.schedule.value === 'continuous',
    thresholds: Object.fromEntries(Object.entries(test.thresholds).map(([metric, list]) => [metric, list.value])),
    expectedStatuses: test.expectedStatuses.value,
    labels: { ...labels, app, test: test.name },
  }
}
