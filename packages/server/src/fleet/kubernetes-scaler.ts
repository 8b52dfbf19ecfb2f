import type { AppsV1Api, AutoscalingV2Api, KubeConfig } from '@kubernetes/client-node'
import type { FleetScaler, ScaleReport } from './fleet-scaler.js'

export interface KubernetesScalerOptions {
  /** The control plane's environment: KUBECONFIG, K8S_NAMESPACE, K8S_AGENT_DEPLOYMENT, KUBERNETES_SERVICE_HOST. */
  env: Record<string, string | undefined>
}

interface Clients { apps: AppsV1Api, autoscaling: AutoscalingV2Api, namespace: string, setMergePatch: unknown }

const DEFAULT_DEPLOYMENT = 'k6agent'

/**
 * Scales the agent Deployment through its `scale` subresource. Credentials come from KUBECONFIG when set,
 * else the in-cluster service account, else the default kubeconfig. When an HPA targets the Deployment it
 * owns the replica count: the scaler then only reports, so the two never fight.
 */
export class KubernetesScaler implements FleetScaler {
  readonly #env: Record<string, string | undefined>
  readonly #deployment: string
  #clients: Promise<Clients> | undefined

  constructor (options: KubernetesScalerOptions) {
    this.#env = options.env
    this.#deployment = nonEmpty(options.env.K8S_AGENT_DEPLOYMENT) ?? DEFAULT_DEPLOYMENT
  }

  async scale (desired: number): Promise<ScaleReport> {
    this.#clients ??= this.#connect()
    const { apps, namespace, setMergePatch } = await this.#clients.catch((err: unknown) => {
      this.#clients = undefined // a missing kubeconfig may appear later; try again next pass
      throw err
    })
    const name = this.#deployment
    const hpa = await this.#hpaOwner(namespace)
    const scale = await apps.readNamespacedDeploymentScale({ name, namespace })
    const running = scale.status?.replicas ?? null
    if (hpa !== null) {
      return {
        running,
        note: `HorizontalPodAutoscaler "${hpa}" scales Deployment "${name}"; the desired count is recorded, not applied`,
      }
    }
    if (scale.spec?.replicas === desired) return { running, note: null }
    const patched = await apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas: desired } } },
      setMergePatch as Parameters<AppsV1Api['patchNamespacedDeploymentScale']>[1],
    )
    return { running: patched.status?.replicas ?? running, note: null }
  }

  stop (): Promise<void> {
    return Promise.resolve()
  }

  /** The name of an HPA whose scale target is our Deployment, or null. */
  async #hpaOwner (namespace: string): Promise<string | null> {
    const { autoscaling } = await (this.#clients as Promise<Clients>)
    let list: Awaited<ReturnType<AutoscalingV2Api['listNamespacedHorizontalPodAutoscaler']>>
    try {
      list = await autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace })
    } catch (err) {
      // Without RBAC to list HPAs (or without the API), assume none rather than stop scaling.
      const code = (err as { code?: unknown }).code
      if (code === 403 || code === 404) return null
      throw err
    }
    const owner = list.items.find((hpa) =>
      hpa.spec?.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === this.#deployment)
    return owner?.metadata?.name ?? null
  }

  async #connect (): Promise<Clients> {
    // Loaded on first use: the client is large and only Kubernetes deployments need it.
    const k8s = await import('@kubernetes/client-node')
    const kc: KubeConfig = new k8s.KubeConfig()
    const kubeconfig = nonEmpty(this.#env.KUBECONFIG)
    if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig)
    else if (nonEmpty(this.#env.KUBERNETES_SERVICE_HOST) !== undefined) kc.loadFromCluster()
    else kc.loadFromDefault()
    const namespace = nonEmpty(this.#env.K8S_NAMESPACE) ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default'
    return {
      apps: kc.makeApiClient(k8s.AppsV1Api),
      autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api),
      namespace,
      setMergePatch: k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    }
  }
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
