import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { ApiClient } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'
import { parseExposition, requirePromtool } from './helpers/prom-text.js'
import { metricNamesOf, withGrafanaVariables } from './helpers/promql.js'

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url))
const RULES = join(DEPLOY, 'prometheus/loadfleet-rules.yaml')
const RULES_TESTS = join(DEPLOY, 'prometheus/loadfleet-rules.test.yaml')
const DASHBOARD = join(DEPLOY, 'grafana/loadfleet.json')

interface RuleGroup { name: string, rules: Array<{ record?: string, alert?: string, expr: string }> }
const ruleGroups = (): RuleGroup[] => (parseYaml(readFileSync(RULES, 'utf8')) as { groups: RuleGroup[] }).groups

/** Every PromQL expression of the dashboard: panel targets (rows included) and label_values() variables. */
function dashboardExpressions (): Array<{ where: string, expr: string }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ title: string, targets?: Array<{ expr: string }>, panels?: unknown[] }>
    templating: { list: Array<{ name: string, type: string, query?: { query: string } }> }
  }
  const out: Array<{ where: string, expr: string }> = []
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) out.push({ where: panel.title, expr: target.expr })
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    const match = /^label_values\((.+),\s*\w+\)$/.exec(variable.query?.query ?? '')
    if (match === null) throw new Error(`variable ${variable.name}: expected label_values(<selector>, <label>)`)
    out.push({ where: `variable ${variable.name}`, expr: match[1] ?? '' })
  }
  return out
}

describe('Prometheus rules and the Grafana dashboard', () => {
  let db: TestDatabase
  let server: RunningServer
  let exposed: Set<string>

  beforeAll(async () => {
    // A real scrape with every per-site series present: a site with a finished, measured run.
    db = await createTestDatabase('sqlite')
    server = await startServer(serverOptionsFor(db))
    const api = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth, agentToken: server.agentToken })
    const site = await api.createTarget({ url: 'https://example.com/', label: 'Example' })
    await api.registerAgent({ name: 'm1' })
    const id = randomUUID()
    await api.startRun('m1', { id, targetId: site.id })
    await api.finishRun('m1', id, {
      status: 'passed',
      metrics: {
        p50_ms: 1, p95_ms: 2, p99_ms: 3, avg_ms: 1, error_rate: 0, rps: 5, data_received_bytes: 1, iterations: 1,
      },
      summary: { statusCodes: { 200: 5 }, errorKinds: {} },
    })
    const text = await (await fetch(`${server.url}/api/metrics`)).text()
    exposed = new Set(parseExposition(text).map((s) => s.name))
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('finds the metric names an expression reads (and only those)', () => {
    expect(metricNamesOf('sum by (site, kind) (rate(a_total{kind=~"x|y", site="$site"}[5m] offset 1d)) > 2 * b:c:d'))
      .toEqual(['a_total', 'b:c:d'])
    expect(metricNamesOf('count(ALERTS{alertstate="firing"}) or vector(0)')).toEqual(['ALERTS'])
  })

  it('ships rules that pass `promtool check rules` and their unit tests (`promtool test rules`)', () => {
    const groups = ruleGroups()
    const records = groups.flatMap((g) => g.rules.flatMap((r) => (r.record === undefined ? [] : [r.record])))
    for (const record of records) expect(record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/) // level:metric:operations
    const alerts = groups.flatMap((g) => g.rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])))
    // The control plane's built-in rules, by the same names.
    expect(alerts.sort()).toEqual(['SiteFailing', 'SiteNotTested', 'SiteRegression'])
    if (!requirePromtool('the rules checks')) return
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS/)
    // promtool exits non-zero (and execFileSync throws) when any rule test fails.
    expect(execFileSync('promtool', ['test', 'rules', RULES_TESTS], { encoding: 'utf8' })).toMatch(/SUCCESS/)
  })

  it('rules only read series the server exposes or the rules record', () => {
    const groups = ruleGroups()
    const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record === undefined ? [] : [r.record]))))
    const unknown = groups.flatMap((g) => g.rules.flatMap((r) =>
      metricNamesOf(r.expr).filter((n) => !exposed.has(n) && !recorded.has(n)).map((n) => `${r.record ?? r.alert}: ${n}`)))
    expect(unknown).toEqual([])
  })

  it('dashboard: every expression parses as PromQL and reads only series the server exposes', () => {
    const expressions = dashboardExpressions()
    expect(expressions.length).toBeGreaterThan(10)
    const unknown: string[] = []
    for (const { where, expr } of expressions) {
      const names = metricNamesOf(withGrafanaVariables(expr))
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0)
      unknown.push(...names.filter((n) => !exposed.has(n)).map((n) => `${where}: ${n}`))
    }
    expect(unknown).toEqual([])
    if (!requirePromtool('the PromQL syntax check of the dashboard')) return
    // promtool parses every expression of a rules file: one recording rule per dashboard expression.
    const dir = mkdtempSync(join(tmpdir(), 'lf-dashboard-'))
    try {
      const rules = expressions.map(({ expr }, i) =>
        `      - record: dashboard_expression_${i}\n        expr: ${JSON.stringify(withGrafanaVariables(expr))}\n`)
      writeFileSync(join(dir, 'dashboard.yaml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`)
      const output = execFileSync('promtool', ['check', 'rules', join(dir, 'dashboard.yaml')], { encoding: 'utf8' })
      expect(output).toContain(`SUCCESS: ${expressions.length} rules found`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
