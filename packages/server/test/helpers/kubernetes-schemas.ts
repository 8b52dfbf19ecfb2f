import { spawnSync } from 'node:child_process'
import { parseAllDocuments } from 'yaml'

/** A Kubernetes object as rendered or written: what every manifest has, the rest left open. */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string
  kind: string
  metadata: { name: string, namespace?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
}

interface Model { validate (): void }
type ModelClass = new (data: unknown) => Model

// Where the kubernetes-models packages keep each API group's classes. Custom resources have packages of their own,
// generated from the projects' CRDs.
function modulePathOf (apiVersion: string): string {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`
  if (apiVersion.startsWith('argoproj.io/')) return `@kubernetes-models/argo-rollouts/${apiVersion}`
  return `kubernetes-models/${apiVersion}`
}

/**
 * Validates one object against the OpenAPI schema of its apiVersion and kind (Kubernetes' own, or the CRD's).
 * Returns the problems, empty when valid; an apiVersion/kind with no schema is itself a problem.
 */
export async function kubernetesSchemaProblems (object: KubeObject): Promise<string[]> {
  let group: Record<string, unknown>
  try {
    group = await import(modulePathOf(object.apiVersion)) as Record<string, unknown>
  } catch {
    return [`no schema for apiVersion ${object.apiVersion}`]
  }
  const model = group[object.kind] as ModelClass | undefined
  if (typeof model !== 'function') return [`no schema for ${object.apiVersion} ${object.kind}`]
  try {
    new model(object).validate()
    return []
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)]
  }
}

/** Every document of a YAML stream, failing on any parse error or warning. */
export function parseYamlObjects<T = KubeObject> (text: string, where: string): T[] {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) throw new Error(`${where}: no YAML documents`)
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings].map((problem) => problem.message)
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`)
  }
  return docs.map((doc) => doc.toJS() as T).filter((doc) => doc !== null)
}

/** `kubectl kustomize DIR` as objects, or null when kubectl is not installed. */
export function kustomize (dir: string): KubeObject[] | null {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return null
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`)
  return parseYamlObjects(result.stdout, dir)
}

/** The pod template of a workload (Deployment, Job, …). */
export function podSpecOf (object: KubeObject): PodSpec | undefined {
  const spec = object.spec as { template?: { spec?: PodSpec } } | undefined
  return spec?.template?.spec
}

export interface Container {
  name: string
  image?: string
  imagePullPolicy?: string
  command?: string[]
  args?: string[]
  env?: Array<{ name: string, value?: string, valueFrom?: Record<string, Record<string, string>> }>
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  securityContext?: { readOnlyRootFilesystem?: boolean, allowPrivilegeEscalation?: boolean }
  volumeMounts?: Array<{ name: string, mountPath: string }>
  readinessProbe?: { httpGet?: { path: string } }
  livenessProbe?: { httpGet?: { path: string } }
}

export interface PodSpec {
  containers: Container[]
  volumes?: Array<{
    name: string, emptyDir?: { medium?: string, sizeLimit?: string }, persistentVolumeClaim?: { claimName: string }
  }>
  serviceAccountName?: string
  restartPolicy?: string
}
