import { effectiveApp, resolveFromManifest, type AppTree, type EffectiveTest } from '@loadfleet/core'
import type { TargetCreate } from '@loadfleet/api'

// `${secrets.NAME}`: the value lives elsewhere, so the header cannot go into a site's plain headers.
const SECRET_REF_RE = /\$\{secrets\.[A-Za-z_][A-Za-z0-9_]*\}/

/** The sites a tree of apps asks for, and the tests that cannot be sites (with why). */
export interface DesiredTargets {
  targets: TargetCreate[]
  skipped: Array<{ app: string, test: string, why: string }>
  /** Sites that are applied, but without something the manifest says. */
  notes: Array<{ app: string, test: string, why: string }>
}

/**
 * One site per URL test: labelled `app` and `test` (its identity for later applies) plus the app's own labels.
 * Durations become whole seconds, rounded up, as sites keep them.
 */
export function desiredTargets (tree: AppTree): DesiredTargets {
  const targets: TargetCreate[] = []
  const skipped: DesiredTargets['skipped'] = []
  const notes: DesiredTargets['notes'] = []
  for (const node of tree.apps.values()) {
    const app = effectiveApp(node, resolveFromManifest)
    for (const test of app.tests) {
      if (test.kind !== 'url') {
        skipped.push({ app: app.name, test: test.name, why: `a ${test.kind === 'file' ? 'YAML test file' : 'k6 script'}; sites run URL tests only` })
        continue
      }
      const secretHeaders = Object.entries(test.headers)
        .filter(([, h]) => SECRET_REF_RE.test(h.value)).map(([name]) => name)
      if (secretHeaders.length > 0) {
        notes.push({ app: app.name, test: test.name, why: `${secretHeaders.join(', ')}: refers to a secret, so the site ` +
          'does not get it from the manifest (set it as a secret header of the site)' })
      }
      targets.push(targetOf(app.name, app.labels, test))
    }
  }
  return { targets, skipped, notes }
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
    headers: Object.fromEntries(Object.entries(test.headers)
      .filter(([, h]) => !SECRET_REF_RE.test(h.value)).map(([name, h]) => [name, h.value])),
  }
}
