import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { formatDiagnostic } from '../diagnostic.js'
import { effectiveApp } from './effective.js'
import { loadAppTree } from './load-app-tree.js'
import { dependencyOrder, resolveFromManifest } from './tree-checks.js'

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/apps/', import.meta.url))
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url))

async function problems (dir: string): Promise<string[]> {
  const { value, diagnostics } = await loadAppTree(dir, { cwd: FIXTURES })
  expect(value).toBeUndefined()
  return diagnostics.map(formatDiagnostic)
}

describe('loadAppTree: invalid trees', () => {
  it.each([
    ['widened', [
      "widened/child/app.yaml:7: error: spec.roles.edit.1: role edit: 'mallory' widens the edit role inherited from widened/app.yaml:8 (team-shop); a child may only narrow it",
      "widened/child/app.yaml:10: error: spec.egress.1: egress 'evil.example:443' widens the egress inherited from widened/app.yaml:9 (*.shop.test:443); a child may only narrow it",
    ]],
    ['cycle', [
      'cycle/a/app.yaml:6: error: spec.dependsOn.0: dependency cycle: a (cycle/a/app.yaml) -> b (cycle/b/app.yaml) -> a (cycle/a/app.yaml)',
    ]],
    ['parent-cycle', [
      'parent-cycle/child/app.yaml:7: error: spec.children.0: parentage cycle: parent-cycle/app.yaml -> parent-cycle/child/app.yaml -> parent-cycle/app.yaml',
    ]],
    ['unknown-key', [
      "unknown-key/app.yaml:5: error: metadata.owner: unknown key 'owner'; allowed here: name, labels",
      "unknown-key/app.yaml:9: error: spec.defaults.timeout: unknown key 'timeout'; allowed here: vus, duration, interval, thresholds, headers, expectedStatuses, schedule",
    ]],
    ['bad-threshold', [
      "bad-threshold/app.yaml:8: error: spec.defaults.thresholds.http_req_duration.0: expected a threshold like 'p(95)<500', 'avg<200' or 'rate<0.01' (aggregation, one of < <= > >= == !=, number), got 'p95 < 500'",
      "bad-threshold/app.yaml:13: error: spec.tests.home.thresholds.http_req_failed.0: 'avg' is not an aggregation of http_req_failed (a rate metric); use rate",
      expect.stringMatching(new RegExp('^bad-threshold/app.yaml:14: error: spec.tests.home.thresholds.no_such_metric: ' +
        "no metric named 'no_such_metric'; known metrics: http_req_duration, ")),
    ]],
    ['missing-secret', [
      "missing-secret/app.yaml:11: error: spec.tests.invoices.headers.authorization: header 'authorization' refers to secret 'BILLING_TOKEN', which neither this app nor its ancestors declare in spec.secrets",
      "missing-secret/app.yaml:13: error: spec.tests.export.file: no such test file: 'missing.yaml' (relative to missing-secret/app.yaml)",
    ]],
  ])('%s: every problem, with file and line', async (dir, expected) => {
    expect(await problems(dir)).toEqual(expected)
  })

  it('reports the problems of every file of a tree at once, by file then line', async () => {
    const lines = await problems('all')
    expect(lines.map((l) => l.split(': error')[0])).toEqual([
      'all/app.yaml:12', 'cycle/a/app.yaml:6', 'missing-secret/app.yaml:11', 'missing-secret/app.yaml:13',
      'unknown-key/app.yaml:5', 'unknown-key/app.yaml:9',
    ])
  })

  it('names a missing root', async () => {
    expect(await problems('no-such-dir')).toEqual([
      'no-such-dir: error: no App manifest: expected a file or a directory holding app.yaml or app.yml',
    ])
  })
})

describe('loadAppTree: the example tree', () => {
  it('loads every app, with children in dependency order', async () => {
    const { value: tree, diagnostics } = await loadAppTree('app-of-apps', { cwd: EXAMPLES })
    expect(diagnostics).toEqual([])
    expect([...tree?.apps.keys() ?? []].sort()).toEqual(['api', 'payments', 'refunds', 'shop', 'web'])
    expect(dependencyOrder(tree!.root).map((n) => n.name)).toEqual(['api', 'payments', 'web'])
  })

  it('merges defaults down the tree: scalars replace, thresholds per metric ([] removes), headers per name', async () => {
    const { value: tree } = await loadAppTree('app-of-apps', { cwd: EXAMPLES })
    const refunds = effectiveApp(tree!.apps.get('refunds')!, resolveFromManifest)
    const list = refunds.tests.find((t) => t.name === 'list')!
    expect(list.vus).toEqual({ value: 2, from: 'app-of-apps/app.yaml:14' })
    expect(list.durationMs).toEqual({ value: 20_000, from: 'app-of-apps/payments/app.yaml:10' })
    expect(list.intervalMs).toEqual({ value: 900_000, from: 'app-of-apps/payments/refunds/app.yaml:9' })
    expect(list.expectedStatuses).toEqual({ value: ['200-399'], from: 'built-in' })
    expect(Object.keys(list.thresholds).sort()).toEqual(['checks', 'http_req_duration'])
    expect(list.headers['x-test-source']?.from).toBe('app-of-apps/app.yaml:21')
    // Inherited from two levels up; a role the parent narrowed stays narrowed.
    expect(refunds.roles.view?.value).toEqual(['team-shop', 'sre'])
    expect(refunds.roles.run).toEqual({ value: ['ci'], from: 'app-of-apps/payments/app.yaml:23' })
    expect(refunds.secrets.map((s) => s.value)).toEqual(['SHOP_API_TOKEN', 'PAYMENTS_KEY'])
    expect(refunds.egress).toEqual({ value: ['localhost:3001'], from: 'app-of-apps/payments/refunds/app.yaml:10' })

    const api = effectiveApp(tree!.apps.get('api')!, resolveFromManifest)
    const health = api.tests.find((t) => t.name === 'health')!
    expect(health.vus.value).toBe(1)
    expect(health.thresholds.http_req_duration).toEqual({ value: ['p(95)<100'], from: 'app-of-apps/api/app.yaml:15' })
    expect(health.thresholds.http_req_failed?.value).toEqual(['rate<0.01'])
    expect(Object.keys(health.headers).sort()).toEqual(['authorization', 'x-test-source'])
  })
})
