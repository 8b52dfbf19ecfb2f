import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { startServer, type RunningServer } from '@loadfleet/server'
import { createTestDatabase, serverOptionsFor, type TestDatabase } from './helpers/databases.js'
import { jsonSchemaProblems } from './helpers/json-schemas.js'
import {
  kubernetesSchemaProblems, kustomize, parseYamlObjects, podSpecOf, type Container, type KubeObject,
} from './helpers/kubernetes-schemas.js'
import { metricNamesOf } from './helpers/promql.js'
import { parseExposition } from './helpers/prom-text.js'

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url))
const K8S = join(DEPLOY, 'k8s')
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
// The two images one Dockerfile builds, by build target.
const IMAGES = { 'control-plane': 'ghcr.io/loadfleet/control-plane', agent: 'ghcr.io/loadfleet/k6agent' }
const EXPECTED = Object.values(IMAGES).map((name) => `${name}:${VERSION}`).sort()
const OVERLAYS = readdirSync(join(K8S, 'overlays')).sort()

const read = (file: string): string => readFileSync(join(DEPLOY, file), 'utf8')

// Rendered once: kubectl kustomize is the same engine `kubectl apply -k` uses.
const rendered = new Map(OVERLAYS.map((overlay) => [overlay, kustomize(join(K8S, 'overlays', overlay))]))
const KUBECTL = [...rendered.values()].every((objects) => objects !== null)
if (!KUBECTL) {
  console.log('kubectl is not installed: the overlays were NOT rendered; only the base and component files are ' +
    'parsed and validated one by one, and the per-overlay checks did not run')
}

/** Every object of an overlay as kubectl renders it. */
function overlay (name: string): KubeObject[] {
  const objects = rendered.get(name)
  if (objects === undefined || objects === null) throw new Error(`overlay ${name} not rendered`)
  return objects
}

function find (objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name)
  if (found === undefined) throw new Error(`no ${kind} ${name}`)
  return found
}

function container (objects: KubeObject[], deployment: string): Container {
  const first = podSpecOf(find(objects, 'Deployment', deployment))?.containers[0]
  if (first === undefined) throw new Error(`Deployment ${deployment} has no container`)
  return first
}

/** The files kustomize reads as whole objects (not its own files, not patches), when kubectl cannot render. */
function sourceObjects (): Array<{ file: string, object: KubeObject }> {
  const out: Array<{ file: string, object: KubeObject }> = []
  for (const dir of ['base', ...readdirSync(join(K8S, 'components')).map((c) => `components/${c}`)]) {
    const kustomization = parse(readFileSync(join(K8S, dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] }
    for (const file of kustomization.resources ?? []) {
      for (const object of parseYamlObjects(readFileSync(join(K8S, dir, file), 'utf8'), `${dir}/${file}`)) {
        out.push({ file: `${dir}/${file}`, object })
      }
    }
  }
  return out
}

describe('Kubernetes kit (deploy/k8s)', () => {
  it('renders every overlay, and every object validates against its Kubernetes or KEDA schema', async () => {
    expect(OVERLAYS).toEqual(['ha', 'ha-keda', 'single'])
    const checked: Array<{ where: string, object: KubeObject }> = KUBECTL
      ? OVERLAYS.flatMap((name) => overlay(name).map((object) => ({ where: `overlay ${name}`, object })))
      : sourceObjects().map(({ file, object }) => ({ where: file, object }))
    expect(checked.length).toBeGreaterThan(KUBECTL ? 40 : 15)
    for (const { where, object } of checked) {
      const what = `${where}: ${object.kind} ${object.metadata.name}`
      expect(await kubernetesSchemaProblems(object), what).toEqual([])
      expect(object.metadata.name, what).toMatch(/^[a-z0-9-]+$/)
      if (KUBECTL && object.kind !== 'Namespace') expect(object.metadata.namespace, what).toBe('loadfleet')
    }
    // The validator does reject what the API server would: a wrong type and a missing required field.
    const agent = structuredClone(find(KUBECTL ? overlay('single') : sourceObjects().map((s) => s.object), 'Deployment', 'k6agent'))
    expect(await kubernetesSchemaProblems({ ...agent, spec: { replicas: 'two' } })).not.toEqual([])
    expect(await kubernetesSchemaProblems({
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { triggers: [] },
    })).not.toEqual([])
    expect(await kubernetesSchemaProblems({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } }))
      .toEqual(['no schema for apiVersion example.com/v1'])
  })

  it('keeps the agent properties in every overlay: AGENT_NAME from the pod, read-only root, /tmp in memory, ' +
    'requests and limits, PDB, egress-only NetworkPolicy', () => {
    if (!KUBECTL) return
    for (const name of OVERLAYS) {
      const objects = overlay(name)
      const agent = container(objects, 'k6agent')
      const pod = podSpecOf(find(objects, 'Deployment', 'k6agent'))
      expect(agent.env?.find((e) => e.name === 'AGENT_NAME')?.valueFrom, name)
        .toEqual({ fieldRef: { fieldPath: 'metadata.name' } })
      expect(agent.securityContext?.readOnlyRootFilesystem, name).toBe(true)
      expect(agent.securityContext?.allowPrivilegeEscalation, name).toBe(false)
      const tmp = agent.volumeMounts?.find((m) => m.mountPath === '/tmp')
      expect(pod?.volumes?.find((v) => v.name === tmp?.name)?.emptyDir?.medium, name).toBe('Memory')
      expect(agent.resources, name).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } })

      const labels = (find(objects, 'Deployment', 'k6agent').spec as { selector: { matchLabels: Record<string, string> } })
        .selector.matchLabels
      const pdb = find(objects, 'PodDisruptionBudget', 'k6agent').spec as { selector: { matchLabels: unknown } }
      expect(pdb.selector.matchLabels, name).toEqual(labels)
      const policy = find(objects, 'NetworkPolicy', 'k6agent').spec as {
        podSelector: { matchLabels: unknown }, policyTypes: string[], ingress: unknown[], egress: unknown[]
      }
      expect(policy.podSelector.matchLabels, name).toEqual(labels)
      expect(policy.policyTypes.sort(), name).toEqual(['Egress', 'Ingress'])
      expect(policy.ingress, name).toEqual([])
      expect(policy.egress.length, name).toBeGreaterThan(0)
    }
  })

  it('keeps what the Kubernetes fleet scaler expects: the Deployment it scales, RBAC on it, autoscalers aimed at it', () => {
    if (!KUBECTL) return
    for (const name of OVERLAYS) {
      const objects = overlay(name)
      const config = find(objects, 'ConfigMap', 'loadfleet-control-plane').data as Record<string, string>
      expect(config.FLEET_SCALER, name).toBe('kubernetes')
      find(objects, 'Deployment', config.K8S_AGENT_DEPLOYMENT ?? 'k6agent')
      // K8S_NAMESPACE is the namespace the control plane runs in, whatever the installation calls it.
      expect(container(objects, 'dashboard').env?.find((e) => e.name === 'K8S_NAMESPACE')?.valueFrom, name)
        .toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } })
      const rules = (find(objects, 'Role', 'loadfleet-fleet-scaler').rules as Array<{ resources: string[], resourceNames?: string[], verbs: string[] }>)
      const scale = rules.find((r) => r.resources.includes('deployments/scale'))
      expect(scale?.resourceNames, name).toEqual([config.K8S_AGENT_DEPLOYMENT])
      expect(scale?.verbs, name).toContain('patch')
      expect(rules.find((r) => r.resources.includes('horizontalpodautoscalers'))?.verbs, name).toContain('list')
      const binding = find(objects, 'RoleBinding', 'loadfleet-fleet-scaler') as KubeObject & { subjects: Array<{ name: string }> }
      expect(binding.subjects[0]?.name).toBe(podSpecOf(find(objects, 'Deployment', 'dashboard'))?.serviceAccountName)
    }
    const hpa = find(overlay('ha'), 'HorizontalPodAutoscaler', 'k6agent').spec as { scaleTargetRef: unknown, minReplicas: number }
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'k6agent' })
    // An HPA leaves a Deployment at 0 replicas alone: the overlay starts the agents at the HPA's minimum.
    expect((find(overlay('ha'), 'Deployment', 'k6agent').spec as { replicas: number }).replicas).toBe(hpa.minReplicas)
    const scaled = find(overlay('ha-keda'), 'ScaledObject', 'k6agent').spec as { scaleTargetRef: { name: string } }
    expect(scaled.scaleTargetRef.name).toBe('k6agent')
    expect(overlay('ha-keda').some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false) // KEDA makes its own
  })

  it('runs one control plane on SQLite in `single` and 2+ on PostgreSQL in the HA overlays', () => {
    if (!KUBECTL) return
    const single = overlay('single')
    const spec = (objects: KubeObject[]) => find(objects, 'Deployment', 'dashboard').spec as {
      replicas: number, strategy: { type: string }
    }
    expect(spec(single)).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } })
    const data = container(single, 'dashboard').volumeMounts?.find((m) => m.mountPath === '/data')
    const claim = podSpecOf(find(single, 'Deployment', 'dashboard'))?.volumes?.find((v) => v.name === data?.name)
    find(single, 'PersistentVolumeClaim', claim?.persistentVolumeClaim?.claimName ?? '(none)')
    expect(container(single, 'dashboard').env?.some((e) => e.name === 'DATABASE_URL')).toBe(false)

    for (const name of ['ha', 'ha-keda']) {
      const objects = overlay(name)
      expect(spec(objects).replicas, name).toBeGreaterThanOrEqual(2)
      const env = container(objects, 'dashboard').env ?? []
      const url = env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef
      expect(url, `${name}: DATABASE_URL from a Secret`).toBeDefined()
      const secret = find(objects, 'Secret', url?.name ?? '') as KubeObject & { stringData: Record<string, string> }
      expect(secret.stringData[url?.key ?? '']).toMatch(/^postgres:\/\//)
      // Every replica must open what the others sealed.
      expect(env.find((e) => e.name === 'LOADFLEET_SECRET_KEY')?.valueFrom?.secretKeyRef, name).toBeDefined()
      expect(objects.some((o) => o.kind === 'PersistentVolumeClaim'), name).toBe(false)
      const pdb = find(objects, 'PodDisruptionBudget', 'dashboard').spec as { minAvailable: number, selector: { matchLabels: unknown } }
      expect(pdb.minAvailable, name).toBeGreaterThanOrEqual(1)
      expect(pdb.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'loadfleet-control-plane' })
    }
  })

  it('uses one image name and version everywhere, with a pull policy in Kubernetes', () => {
    const found = new Map<string, string[]>()
    const note = (where: string, image: string): void => { found.set(image, [...found.get(image) ?? [], where]) }

    if (KUBECTL) {
      for (const name of OVERLAYS) {
        for (const object of overlay(name)) {
          for (const c of podSpecOf(object)?.containers ?? []) {
            note(`overlay ${name}`, c.image ?? '(none)')
            expect(c.imagePullPolicy, `${name} ${c.name}`).toMatch(/^(IfNotPresent|Always)$/)
          }
        }
      }
    }
    // The one place the tag is written for Kubernetes: the base's `images:`.
    const base = parse(read('k8s/base/kustomization.yaml')) as { images: Array<{ name: string, newTag: string }> }
    for (const image of base.images) note('k8s/base/kustomization.yaml', `${image.name}:${image.newTag}`)

    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { image?: string, build?: { target?: string } }> }
    for (const [name, service] of Object.entries(compose.services)) {
      const target = service.build?.target as keyof typeof IMAGES | undefined
      expect(target, `compose service ${name} builds a Dockerfile target`).toBeDefined()
      // The image a service builds is the one the manifests run for that target.
      expect(service.image, `compose service ${name}`).toBe(`${IMAGES[target ?? 'agent']}:${VERSION}`)
      note('docker-compose.yml', service.image ?? '(none)')
    }

    const dockerfile = read('Dockerfile')
    for (const match of dockerfile.matchAll(/--target (\S+)\s+-t (\S+)/g)) {
      expect(dockerfile, `Dockerfile has a ${match[1]} stage`).toMatch(new RegExp(`^FROM .* AS ${match[1]}$`, 'm'))
      expect(match[2]).toBe(`${IMAGES[match[1] as keyof typeof IMAGES]}:${VERSION}`)
      note('Dockerfile', match[2] ?? '')
    }

    const readme = read('README.md')
    const readmeVersion = /^VERSION=(\S+)$/m.exec(readme)?.[1]
    expect(readmeVersion).toBe(VERSION)
    const commands = readme.replaceAll('$VERSION', VERSION)
    const built = [...commands.matchAll(/^docker build .* -t (\S+) \.$/gm)].map((m) => ({ image: m[1] ?? '', at: m.index }))
    const pushed = [...commands.matchAll(/^docker push (\S+)$/gm)].map((m) => ({ image: m[1] ?? '', at: m.index }))
    expect(built.map((b) => b.image).sort()).toEqual(EXPECTED)
    for (const build of built) {
      note('README.md', build.image)
      // The build step is followed by a push step for the same image.
      expect(pushed.some((push) => push.image === build.image && push.at > build.at), build.image).toBe(true)
    }
    for (const image of commands.matchAll(/`(ghcr\.io\/[^`\s]+:[^`\s]+)`/g)) note('README.md', image[1] ?? '')


    const chart = parse(read('helm/loadfleet/values.yaml')) as { image: Record<string, { repository: string, tag: string }> }
    for (const image of Object.values(chart.image)) note('helm/loadfleet/values.yaml', `${image.repository}:${image.tag}`)
    const chartMeta = parse(read('helm/loadfleet/Chart.yaml')) as { appVersion: string }
    expect(chartMeta.appVersion).toBe(VERSION)

    const where = Object.fromEntries(found)
    expect(Object.keys(where).sort(), JSON.stringify(where)).toEqual(EXPECTED)
    for (const image of found.keys()) expect(image).not.toMatch(/:latest$/)
  })

  it('validates docker-compose.yml against the Compose specification', () => {
    const compose = parse(read('docker-compose.yml')) as unknown
    expect(jsonSchemaProblems('compose-spec.json', compose)).toEqual([])
    // …which does catch a misspelt key.
    const broken = structuredClone(compose) as { services: { k6agent: Record<string, unknown> } }
    broken.services.k6agent.read_onyl = true
    expect(jsonSchemaProblems('compose-spec.json', broken).join('\n')).toContain('read_onyl')
  })
})

describe('Kubernetes kit against a real control plane', () => {
  let db: TestDatabase
  let server: RunningServer

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    server = await startServer(serverOptionsFor(db))
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it('probes routes the control plane answers, and its NetworkPolicy and Ingress reach its port', async () => {
    if (!KUBECTL) return
    for (const name of OVERLAYS) {
      const objects = overlay(name)
      const cp = container(objects, 'dashboard')
      const paths = [cp.readinessProbe?.httpGet?.path, cp.livenessProbe?.httpGet?.path]
      expect(paths, name).toEqual(['/readyz', '/healthz'])
      for (const path of paths) expect((await fetch(`${server.url}${path ?? ''}`)).status, `${name} ${path}`).toBe(200)

      const policy = find(objects, 'NetworkPolicy', 'loadfleet-control-plane').spec as {
        podSelector: { matchLabels: unknown }, policyTypes: string[], ingress: Array<{ ports: Array<{ port: number }> }>
      }
      expect(policy.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'loadfleet-control-plane' })
      expect(policy.policyTypes.sort()).toEqual(['Egress', 'Ingress'])
      expect(policy.ingress.flatMap((rule) => rule.ports.map((p) => p.port))).toEqual([3000])

      interface IngressSpec {
        rules: Array<{ http: { paths: Array<{ backend: { service: { name: string, port: { name: string } } } }> } }>
      }
      const backend = (find(objects, 'Ingress', 'loadfleet').spec as IngressSpec).rules[0]?.http.paths[0]?.backend.service
      const service = find(objects, 'Service', backend?.name ?? '').spec as { ports: Array<{ name: string }> }
      expect(service.ports.map((port) => port.name)).toContain(backend?.port.name)
    }
  })

  it('scales agents with KEDA on series a real scrape contains, down to zero', async () => {
    if (!KUBECTL) return
    const scaled = find(overlay('ha-keda'), 'ScaledObject', 'k6agent').spec as {
      minReplicaCount: number, triggers: Array<{ type: string, metadata: Record<string, string> }>
    }
    expect(scaled.minReplicaCount).toBe(0)
    const trigger = scaled.triggers[0]
    expect(trigger?.type).toBe('prometheus')
    const names = metricNamesOf(trigger?.metadata.query ?? '')
    expect(names).toEqual(['loadfleet_runs_running', 'loadfleet_sites_due'])
    const scrape = new Set(parseExposition(await (await fetch(`${server.url}/api/metrics`)).text()).map((s) => s.name))
    for (const name of names) expect(scrape.has(name), name).toBe(true)
  })
})
