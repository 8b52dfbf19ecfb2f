import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { combineVerdict, gateOrder, skipReason, testStatus, type GateStatus } from './gate-plan.js'
import { loadAppTree, type AppTree } from './load-app-tree.js'

const EXAMPLE = fileURLToPath(new URL('../../../../examples/app-of-apps', import.meta.url))

async function example (): Promise<AppTree> {
  const { value } = await loadAppTree(EXAMPLE)
  if (value === undefined) throw new Error('the example tree does not load')
  return value
}

describe('gate order and skipping', () => {
  it('runs the app, then each child subtree, children after what they depend on', async () => {
    const tree = await example()
    expect(gateOrder(tree.root).map((n) => n.name)).toEqual(['shop', 'api', 'payments', 'refunds', 'web'])
    const payments = tree.apps.get('payments')
    if (payments === undefined) throw new Error('no payments')
    expect(gateOrder(payments).map((n) => n.name)).toEqual(['payments', 'refunds'])
  })

  it('skips dependants of an app that failed, and the children of a skipped app', async () => {
    const tree = await example()
    const node = (name: string) => tree.apps.get(name) ?? tree.root
    const own = new Map<string, GateStatus>([['shop', 'pass'], ['api', 'fail']])
    const subtree = new Map<string, GateStatus>([['api', 'fail']])
    expect(skipReason(node('payments'), tree.root, { own, subtree })).toBe("it depends on 'api', which failed")
    own.set('payments', 'skipped')
    expect(skipReason(node('refunds'), tree.root, { own, subtree })).toBe("its parent 'payments' was skipped")
    subtree.set('api', 'warn')
    expect(skipReason(node('web'), tree.root, { own, subtree })).toBeUndefined()
    // The app gated itself never waits for its siblings.
    expect(skipReason(node('payments'), node('payments'), { own, subtree: new Map([['api', 'fail']]) })).toBeUndefined()
  })

  it('combines statuses worst first', () => {
    expect(combineVerdict([])).toBe('pass')
    expect(combineVerdict(['pass', 'warn'])).toBe('warn')
    expect(combineVerdict(['warn', 'inconclusive', 'pass'])).toBe('inconclusive')
    expect(combineVerdict(['skipped', 'pass'])).toBe('inconclusive')
    expect(combineVerdict(['inconclusive', 'fail', 'skipped'])).toBe('fail')
  })

  it('judges a test: broken runs are inconclusive, crossed thresholds and failed criteria fail', () => {
    const criterion = (status: 'pass' | 'fail' | 'no-baseline' | 'no-value') =>
      ({ metric: 'p95' as const, criterion: '<=+10%', status, observed: 1, baseline: 1, limit: 1, message: '' })
    expect(testStatus({ runError: true, thresholdsOk: false, criteria: [] })).toBe('inconclusive')
    expect(testStatus({ runError: false, thresholdsOk: false, criteria: [criterion('pass')] })).toBe('fail')
    expect(testStatus({ runError: false, thresholdsOk: true, criteria: [criterion('fail'), criterion('no-value')] })).toBe('fail')
    expect(testStatus({ runError: false, thresholdsOk: true, criteria: [criterion('no-value')] })).toBe('inconclusive')
    expect(testStatus({ runError: false, thresholdsOk: true, criteria: [criterion('no-baseline')] })).toBe('warn')
    expect(testStatus({ runError: false, thresholdsOk: true, criteria: [criterion('pass')] })).toBe('pass')
  })
})
