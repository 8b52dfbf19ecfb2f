import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url))
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
// The two images one Dockerfile builds, by build target.
const IMAGES = { 'control-plane': 'ghcr.io/loadfleet/control-plane', agent: 'ghcr.io/loadfleet/k6agent' }
const EXPECTED = Object.values(IMAGES).map((name) => `${name}:${VERSION}`).sort()

type Doc = Record<string, unknown> & { kind?: string, metadata?: { name?: string, namespace?: string } }

const read = (file: string): string => readFileSync(join(DEPLOY, file), 'utf8')

function parseYaml (file: string): Doc[] {
  const docs = parseAllDocuments(read(file))
  if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`)
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings].map((problem) => problem.message)
    expect(problems, file).toEqual([])
  }
  return docs.map((doc) => doc.toJS() as Doc).filter((doc) => doc !== null)
}

const k8sFiles = readdirSync(join(DEPLOY, 'k8s')).filter((file) => file.endsWith('.yaml')).map((file) => `k8s/${file}`)
const k8s = k8sFiles.flatMap((file) => parseYaml(file).map((doc) => ({ file, doc })))

interface Container { name: string, image?: string, imagePullPolicy?: string }

function containersOf (doc: Doc): Container[] {
  const spec = doc.spec as { template?: { spec?: { containers?: Container[] } } } | undefined
  return spec?.template?.spec?.containers ?? []
}

describe('deploy files', () => {
  it('parse as YAML, and every Kubernetes object names its kind and lives in the loadfleet namespace', () => {
    expect(k8sFiles.length).toBeGreaterThan(5)
    for (const { file, doc } of k8s) {
      expect(typeof doc.apiVersion, file).toBe('string')
      expect(typeof doc.kind, file).toBe('string')
      expect(doc.metadata?.name, file).toMatch(/^[a-z0-9-]+$/)
      if (doc.kind !== 'Namespace') expect(doc.metadata?.namespace, `${file} ${doc.kind}`).toBe('loadfleet')
    }
    expect(parseYaml('docker-compose.yml').length).toBe(1)
  })

  it('use one image name and version tag everywhere, with a pull policy in Kubernetes', () => {
    const found = new Map<string, string[]>()
    const note = (where: string, image: string): void => { found.set(image, [...found.get(image) ?? [], where]) }

    const workloads = k8s.filter(({ doc }) => containersOf(doc).length > 0)
    expect(workloads.length).toBe(2)
    for (const { file, doc } of workloads) {
      for (const container of containersOf(doc)) {
        note(file, container.image ?? '(none)')
        expect(container.imagePullPolicy, `${file} ${container.name}`).toMatch(/^(IfNotPresent|Always)$/)
      }
    }

    const compose = parseYaml('docker-compose.yml')[0] as { services: Record<string, { image?: string, build?: { target?: string } }> }
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
    for (const image of commands.matchAll(/`(ghcr\.io\/[^`\s]+)`/g)) note('README.md', image[1] ?? '')

    const where = Object.fromEntries(found)
    expect(Object.keys(where).sort(), JSON.stringify(where)).toEqual(EXPECTED)
    for (const image of found.keys()) expect(image).not.toMatch(/:latest$/)
  })

  it('ship a NetworkPolicy for the control plane and an Ingress to its Service', () => {
    const label = (doc: Doc): unknown =>
      (doc.spec as { podSelector?: { matchLabels?: Record<string, string> } }).podSelector?.matchLabels?.['app.kubernetes.io/name']
    const policies = k8s.filter(({ doc }) => doc.kind === 'NetworkPolicy').map(({ doc }) => label(doc))
    expect(policies.sort()).toEqual(['k6agent', 'loadfleet-control-plane'])

    interface IngressSpec {
      rules: Array<{ http: { paths: Array<{ backend: { service: { name: string, port: { name: string } } } }> } }>
    }
    const ingress = k8s.find(({ doc }) => doc.kind === 'Ingress')?.doc
    const backend = (ingress?.spec as IngressSpec).rules[0]?.http.paths[0]?.backend.service
    const service = k8s.find(({ doc }) => doc.kind === 'Service' && doc.metadata?.name === backend?.name)?.doc
    expect(service, `Service ${backend?.name}`).toBeDefined()
    const ports = (service?.spec as { ports: Array<{ name: string }> }).ports.map((port) => port.name)
    expect(ports).toContain(backend?.port.name)
  })
})
