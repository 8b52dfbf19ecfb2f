import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { mergeValues, renderTemplate } from './helpers/chart-subset.js'
import { kubernetesSchemaProblems, kustomize, parseYamlObjects, podSpecOf, type KubeObject } from './helpers/kubernetes-schemas.js'

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url))
const CHART = join(DEPLOY, 'helm/loadfleet')
const NAMESPACE = 'loadfleet'
// Each overlay of the Kustomize kit has a values file that makes the chart render the same objects.
const CASES = ['single', 'ha', 'ha-keda']

const HELM = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' }).status === 0
if (!HELM) {
  console.log('helm is not installed: the chart was NOT linted or rendered by helm; its templates were rendered by ' +
    'the test\'s renderer of the template subset they keep to (test/helpers/chart-subset.ts) instead')
}

const chartValues = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>
const chartMeta = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { apiVersion: string, name: string, version: string, appVersion: string }

/** The chart's objects for a values file and `--set`-like overrides: by helm when present, else the subset renderer. */
function renderChart (valuesFile: string | undefined, overrides: Record<string, unknown> = {}): KubeObject[] {
  const fileValues = valuesFile === undefined ? {} : parse(readFileSync(join(CHART, valuesFile), 'utf8')) as Record<string, unknown>
  if (HELM) {
    const args = ['template', 'loadfleet', CHART, '--namespace', NAMESPACE]
    if (valuesFile !== undefined) args.push('-f', join(CHART, valuesFile))
    // Overrides as one more values file, merged over the others as helm merges -f files.
    const extra = join(mkdtempSync(join(tmpdir(), 'lf-chart-')), 'overrides.yaml')
    writeFileSync(extra, JSON.stringify(overrides))
    const result = spawnSync('helm', [...args, '-f', extra], { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`)
    return parseYamlObjects(result.stdout, 'helm template')
  }
  const context = {
    Values: mergeValues(mergeValues(chartValues, fileValues), overrides),
    Release: { Namespace: NAMESPACE, Name: 'loadfleet' },
    Chart: { AppVersion: chartMeta.appVersion, Version: chartMeta.version },
  }
  const templates = readdirSync(join(CHART, 'templates')).filter((f) => f.endsWith('.yaml')).sort()
  return templates.flatMap((file) => parseYamlObjects(
    renderTemplate(readFileSync(join(CHART, 'templates', file), 'utf8'), context, file), `templates/${file}`))
}

/**
 * Objects in a comparable form: ordered by kind and name; lists of named items (containers, env, volumes, mounts,
 * ports) ordered by name, since the order of a strategic-merge patch's additions is not the order a template writes.
 */
function normalized (objects: KubeObject[]): unknown[] {
  const sortNamed = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const items = value.map(sortNamed)
      const named = items.every((item) => item !== null && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string')
      return named && items.length > 1
        ? [...items].sort((a, b) => ((a as { name: string }).name < (b as { name: string }).name ? -1 : 1))
        : items
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortNamed(v)]))
    }
    return value
  }
  return [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}` < `${b.kind}/${b.metadata.name}` ? -1 : 1).map(sortNamed)
}

function find (objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name)
  if (found === undefined) throw new Error(`no ${kind} ${name}`)
  return found
}

describe('Helm chart (deploy/helm/loadfleet)', () => {
  it('has the guide\'s values and a chart version for the release', () => {
    expect(chartMeta).toMatchObject({ apiVersion: 'v2', name: 'loadfleet' })
    const values = chartValues as {
      image: { k6agent: { tag: string } }
      k6agent: { dashboardSecret: string, replicas: number, hpa: { minReplicas: number } }
    }
    expect(values.image.k6agent.tag).toBe(chartMeta.appVersion)
    expect(typeof values.k6agent.dashboardSecret).toBe('string')
    expect(values.k6agent.replicas).toBe(0)
    expect(values.k6agent.hpa.minReplicas).toBeGreaterThanOrEqual(1)
    if (HELM) {
      const lint = spawnSync('helm', ['lint', '--strict', CHART], { encoding: 'utf8' })
      expect(lint.status, lint.stdout + lint.stderr).toBe(0)
    }
  })

  it.each(CASES)('renders the objects of the Kustomize overlay %s, each valid against its schema', async (name) => {
    const chart = renderChart(`ci/${name}-values.yaml`)
    for (const object of chart) expect(await kubernetesSchemaProblems(object), `${object.kind} ${object.metadata.name}`).toEqual([])
    const kit = kustomize(join(DEPLOY, 'k8s/overlays', name))
    if (kit === null) {
      console.log(`kubectl is not installed: the chart's ${name} rendering was not compared with the overlay`)
      return
    }
    // The chart leaves the namespace to `helm install --create-namespace`.
    expect(normalized(chart)).toEqual(normalized(kit.filter((o) => o.kind !== 'Namespace')))
  })

  it('applies the values it documents', () => {
    const objects = renderChart(undefined, {
      image: { k6agent: { tag: '9.9.9' } },
      k6agent: { dashboardSecret: 'enrol-me', replicas: 3, hpa: { enabled: true, minReplicas: 2, maxReplicas: 7 } },
    })
    const agent = find(objects, 'Deployment', 'k6agent')
    expect(podSpecOf(agent)?.containers[0]?.image).toBe('ghcr.io/loadfleet/k6agent:9.9.9')
    // With the HPA on, the Deployment starts at the HPA's minimum rather than `replicas`.
    expect((agent.spec as { replicas: number }).replicas).toBe(2)
    expect(find(objects, 'HorizontalPodAutoscaler', 'k6agent').spec).toMatchObject({ minReplicas: 2, maxReplicas: 7 })
    for (const secret of ['k6agent', 'loadfleet-control-plane']) {
      expect((find(objects, 'Secret', secret) as KubeObject & { stringData: Record<string, string> }).stringData.DASHBOARD_SECRET)
        .toBe('enrol-me')
    }
    const plain = renderChart(undefined, { k6agent: { replicas: 3 } })
    expect((find(plain, 'Deployment', 'k6agent').spec as { replicas: number }).replicas).toBe(3)
    expect(plain.some((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject' || o.kind === 'Ingress')).toBe(false)
  })
})
