import { describe, expect, it } from 'vitest'
import { GATE_EVIDENCE_KIND, GateEvidence, type GateAppEvidence, type GateTestEvidence } from '@loadfleet/api'
import { renderJunit } from './junit.js'
import { renderMarkdown } from './markdown.js'

const T0 = '2026-01-01T00:00:00.000Z'
const T1 = '2026-01-01T00:00:02.500Z'

function test (name: string, over: Partial<GateTestEvidence>): GateTestEvidence {
  return {
    name, kind: 'url', location: 'http://127.0.0.1:1/', status: 'pass', reason: null, runner: 'local', runId: null,
    startedAt: T0, finishedAt: T1, metrics: { p95: 12, error_rate: 0, rps: 4 }, thresholds: [], criteria: [],
    errorMessage: null, ...over,
  }
}

function app (name: string, status: GateAppEvidence['status'], tests: GateTestEvidence[], reason: string | null = null):
GateAppEvidence {
  return { name, parent: name === 'shop' ? null : 'shop', file: `${name}/app.yaml`, dependsOn: [], status, reason,
    startedAt: T0, finishedAt: T1, settings: {}, tests }
}

const evidence: GateEvidence = GateEvidence.parse({
  kind: GATE_EVIDENCE_KIND, app: 'shop', revision: 'abc123', verdict: 'fail', mode: 'local', startedAt: T0, finishedAt: T1,
  identity: { user: 'ci', host: 'runner', ci: null }, order: ['shop', 'api', 'payments', 'web'],
  baseline: { gateId: 'g1', revision: 'old456', finishedAt: T0, source: 'control-plane' },
  apps: [
    app('shop', 'pass', []),
    app('api', 'fail', [
      test('products', {
        status: 'fail',
        thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<500', ok: false, observed: 612.5 }],
        criteria: [{ metric: 'p95', criterion: '<=+10%', status: 'fail', observed: 612.5, baseline: 100, limit: 110,
          message: 'p95 <=+10%: observed 612.5 ms (+512.5%) against baseline 100 ms, limit 110 ms' }],
      }),
      test('health', { status: 'inconclusive', reason: 'could not run: connect ECONNREFUSED <&>', errorMessage: 'x' }),
    ]),
    app('payments', 'skipped', [test('quote', { status: 'skipped', metrics: {}, reason: "it depends on 'api', which failed" })],
      "it depends on 'api', which failed"),
  ],
})

describe('renderJunit', () => {
  const xml = renderJunit(evidence)

  it('writes a testsuite per app and counts per suite', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="loadfleet gate shop" tests="3" failures="1" errors="1" skipped="1"')).toBe(true)
    expect(xml.match(/<testsuite /g)).toHaveLength(3)
    expect(xml).toContain('<testsuite name="api" tests="2" failures="1" errors="1" skipped="0" time="2.500"')
  })

  it('names the crossed threshold and the failed criterion with their observed values', () => {
    expect(xml).toContain('<failure message="threshold http_req_duration p(95)&lt;500 crossed: observed 612.5; ' +
      'criterion p95 &lt;=+10%: observed 612.5 ms (+512.5%) against baseline 100 ms, limit 110 ms" type="criterion">')
  })

  it('reports a test that could not run as an error and skipped apps as skipped testcases, escaped', () => {
    expect(xml).toContain('<error message="could not run: connect ECONNREFUSED &lt;&amp;&gt;" type="inconclusive">')
    expect(xml).toContain('<testcase classname="shop.payments" name="quote" time="2.500">\n      <skipped message="it depends on &apos;api&apos;, which failed"/>')
    expect(xml.split('<testcase').length - 1).toBe(3)
    expect(xml.endsWith('</testsuites>\n')).toBe(true)
  })
})

describe('renderMarkdown', () => {
  it('shows the verdict, the revision and baseline, and a row per test naming why it failed', () => {
    const md = renderMarkdown(evidence)
    expect(md.split('\n')[0]).toBe('### Loadfleet gate `shop`: ❌ fail')
    expect(md).toContain('Revision `abc123` · run locally · baseline `old456` (previous passing gate, 2026-01-01T00:00:00.000Z)')
    expect(md).toContain('| api | products | ❌ fail | 12 ms |')
    expect(md).toContain('criterion p95 <=+10%: observed 612.5 ms (+512.5%) against baseline 100 ms, limit 110 ms |')
    expect(md).toContain("| payments | quote | ⏭️ skipped | – | – | – | it depends on 'api', which failed |")
  })
})
