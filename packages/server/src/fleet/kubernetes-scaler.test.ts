import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { KubernetesScaler } from './kubernetes-scaler.js'

interface Seen {
  method: string
  url: string
  contentType: string | undefined
  authorization: string | undefined
  body: string
}

/** A fake Kubernetes API server: one Deployment's scale subresource and an optional HPA, on 127.0.0.1. */
const api = { replicas: 1, hpa: false, hpaStatus: 200, seen: [] as Seen[] }
let server: Server
let dir: string
let kubeconfig: string

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      api.seen.push({
        method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'],
        authorization: req.headers.authorization, body,
      })
      res.setHeader('content-type', 'application/json')
      if (req.url?.startsWith('/apis/autoscaling/v2/namespaces/loadtest/horizontalpodautoscalers') === true) {
        res.statusCode = api.hpaStatus
        const items = api.hpa
          ? [{ metadata: { name: 'k6agent-hpa' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'k6agent' }, maxReplicas: 10 } }]
          : [{ metadata: { name: 'other' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 } }]
        res.end(JSON.stringify({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscalerList', items }))
        return
      }
      if (req.url === '/apis/apps/v1/namespaces/loadtest/deployments/k6agent/scale') {
        if (req.method === 'PATCH') api.replicas = (JSON.parse(body) as { spec: { replicas: number } }).spec.replicas
        res.end(JSON.stringify({
          apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'k6agent', namespace: 'loadtest' },
          spec: { replicas: api.replicas }, status: { replicas: api.replicas },
        }))
        return
      }
      res.statusCode = 404
      res.end(JSON.stringify({ kind: 'Status', code: 404 }))
    })
  })
  await once(server.listen(0, '127.0.0.1'), 'listening')
  const port = (server.address() as AddressInfo).port
  dir = await mkdtemp(join(tmpdir(), 'lf-kube-'))
  kubeconfig = join(dir, 'kubeconfig')
  await writeFile(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: test',
    'clusters:', `- name: fake\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true`, // the client refuses plain HTTP otherwise
    'users:', '- name: ci\n  user:\n    token: kube-token-123',
    'contexts:', '- name: test\n  context:\n    cluster: fake\n    user: ci\n    namespace: loadtest',
  ].join('\n'))
})

afterAll(async () => {
  server.close()
  await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  Object.assign(api, { replicas: 1, hpa: false, hpaStatus: 200, seen: [] })
})

describe('KubernetesScaler (fake Kubernetes API server)', () => {
  it('merge-patches the Deployment scale subresource with the kubeconfig\'s credentials', async () => {
    const scaler = new KubernetesScaler({ env: { KUBECONFIG: kubeconfig } })
    expect(await scaler.scale(5)).toEqual({ running: 5, note: null })
    expect(api.seen.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /apis/autoscaling/v2/namespaces/loadtest/horizontalpodautoscalers',
      'GET /apis/apps/v1/namespaces/loadtest/deployments/k6agent/scale',
      'PATCH /apis/apps/v1/namespaces/loadtest/deployments/k6agent/scale',
    ])
    const patch = api.seen[2]
    expect(patch?.contentType).toBe('application/merge-patch+json')
    expect(JSON.parse(patch?.body ?? '')).toEqual({ spec: { replicas: 5 } })
    expect(api.seen.every((r) => r.authorization === 'Bearer kube-token-123')).toBe(true)
  })

  it('patches nothing when the Deployment already has the desired replicas', async () => {
    api.replicas = 3
    const scaler = new KubernetesScaler({ env: { KUBECONFIG: kubeconfig } })
    expect(await scaler.scale(3)).toEqual({ running: 3, note: null })
    expect(api.seen.some((r) => r.method === 'PATCH')).toBe(false)
  })

  it('leaves the count to an HPA that targets the Deployment and says so', async () => {
    api.hpa = true
    const scaler = new KubernetesScaler({ env: { KUBECONFIG: kubeconfig, K8S_AGENT_DEPLOYMENT: 'k6agent' } })
    const report = await scaler.scale(20)
    expect(report.running).toBe(1)
    expect(report.note).toMatch(/HorizontalPodAutoscaler "k6agent-hpa"/)
    expect(api.seen.some((r) => r.method === 'PATCH')).toBe(false)
  })

  it('scales on when it may not list HPAs (403), and honours K8S_NAMESPACE', async () => {
    api.hpaStatus = 403
    const scaler = new KubernetesScaler({ env: { KUBECONFIG: kubeconfig, K8S_NAMESPACE: 'loadtest' } })
    expect(await scaler.scale(2)).toEqual({ running: 2, note: null })
    expect(api.replicas).toBe(2)
  })

  it('fails with a message when the Deployment does not exist', async () => {
    const scaler = new KubernetesScaler({ env: { KUBECONFIG: kubeconfig, K8S_AGENT_DEPLOYMENT: 'missing' } })
    await expect(scaler.scale(1)).rejects.toThrow(/404/)
  })
})
