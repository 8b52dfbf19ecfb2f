import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { jsonSchemaProblems } from './helpers/json-schemas.js'
import { kubernetesSchemaProblems, parseYamlObjects, podSpecOf, type Container, type KubeObject } from './helpers/kubernetes-schemas.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CI = join(ROOT, 'examples/ci')
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')

const load = <T>(file: string): T => {
  const [doc] = parseYamlObjects<T>(readFileSync(join(CI, file), 'utf8'), file)
  if (doc === undefined) throw new Error(`${file} is empty`)
  return doc
}

/** The options `loadfleet gate --help` lists: the examples may use only these. */
function gateOptions (): Set<string> {
  const help = spawnSync(process.execPath, [CLI, 'gate', '--help'], { encoding: 'utf8' })
  expect(help.status, help.stderr).toBe(0)
  return new Set([...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] ?? ''))
}

/** The words after `loadfleet.js gate` in a shell line or an argv, e.g. ['shop', '--dir', 'loadfleet', …]. */
function gateArgs (command: string): string[] {
  const line = command.replace(/\\\n/g, ' ') // shell line continuations
  const at = line.search(/loadfleet\.js\s+gate\s/)
  expect(at, `runs loadfleet gate: ${command}`).toBeGreaterThanOrEqual(0)
  return line.slice(at).split(/\s+/).slice(2).filter((w) => w !== '')
}

function expectGateCommand (command: string, options: Set<string>, where: string): string[] {
  const args = gateArgs(command)
  expect(args[0], `${where}: the app to gate`).toMatch(/^("?\{\{args\.app\}\}"?|shop)$/)
  for (const flag of args.filter((a) => a.startsWith('--'))) expect(options, `${where}: ${flag}`).toContain(flag)
  expect(args, where).toContain('--revision')
  expect(args, where).toContain('--junit')
  // Nothing may swallow the exit status (99 fail, 103 could not run): the pipeline stops on it.
  expect(command, where).not.toMatch(/\|\|\s*(true|:|exit 0)|;\s*exit 0|set \+e/)
  return args
}

describe('CI examples (examples/ci)', () => {
  const options = gateOptions()

  it('GitHub Actions: valid workflow; gates after the deploy job with the job\'s OIDC token, failing the job on fail', () => {
    interface Step { run?: string, uses?: string, if?: string, 'continue-on-error'?: boolean, with?: Record<string, string> }
    interface Workflow { jobs: Record<string, { needs?: string | string[], permissions?: Record<string, string>, 'continue-on-error'?: boolean, steps: Step[] }> }
    const workflow = load<Workflow>('github-actions/deploy-and-gate.yml')
    expect(jsonSchemaProblems('github-workflow.json', workflow)).toEqual([])
    expect(jsonSchemaProblems('github-workflow.json', { ...workflow, jobz: {} }).length).toBeGreaterThan(0)

    const gate = workflow.jobs.gate
    expect(gate?.needs).toBe('deploy')
    expect(gate?.permissions?.['id-token']).toBe('write')
    expect(gate?.['continue-on-error']).toBeUndefined()
    const step = gate?.steps.find((s) => s.run?.includes('loadfleet.js') === true)
    expect(step?.['continue-on-error']).toBeUndefined()
    expect(step?.if).toBeUndefined()
    const args = expectGateCommand(step?.run ?? '', options, 'github')
    const junit = args[args.indexOf('--junit') + 1] ?? ''
    // The token step asks GitHub for an OIDC token with the control plane as audience and hands it to the CLI.
    expect(gate?.steps.some((s) => s.run?.includes('ACTIONS_ID_TOKEN_REQUEST_URL&audience=$LOADFLEET_URL') === true &&
      s.run.includes('LOADFLEET_TOKEN='))).toBe(true)
    expect(step?.run).toContain('-e LOADFLEET_TOKEN')
    const upload = gate?.steps.find((s) => s.uses?.startsWith('actions/upload-artifact') === true)
    expect(upload?.if).toBe('always()')
    expect(junit.replace('/work/', '')).toContain(upload?.with?.path ?? '(none)')
  })

  it('GitLab CI: valid pipeline; gates after deploy with the job\'s ID token and reports JUnit', () => {
    interface Job {
      stage?: string, needs?: string[], script: string[], allow_failure?: unknown
      id_tokens?: Record<string, { aud: string }>, artifacts?: { when?: string, reports?: { junit?: string } }
    }
    const pipeline = load<Record<string, unknown> & { stages: string[] }>('gitlab/.gitlab-ci.yml')
    expect(jsonSchemaProblems('gitlab-ci.json', pipeline)).toEqual([])
    expect(jsonSchemaProblems('gitlab-ci.json', { ...pipeline, deploy: { scrip: ['x'] } }).length).toBeGreaterThan(0)

    const job = pipeline['loadfleet-gate'] as Job
    expect(job.needs).toEqual(['deploy'])
    expect(pipeline.stages.indexOf(job.stage ?? '')).toBeGreaterThan(pipeline.stages.indexOf('deploy'))
    expect(job.allow_failure).toBeUndefined()
    // The ID token lands in LOADFLEET_TOKEN, where the CLI reads its credential.
    expect(job.id_tokens?.LOADFLEET_TOKEN?.aud).toMatch(/^https:\/\//)
    const args = expectGateCommand(job.script.join('\n'), options, 'gitlab')
    expect(job.artifacts?.when).toBe('always')
    expect(job.artifacts?.reports?.junit).toBe(args[args.indexOf('--junit') + 1])
  })

  it('Argo CD: a valid PostSync hook Job that runs the gate once and fails the sync on fail', async () => {
    const job = load<KubeObject>('argocd/loadfleet-gate-postsync.yaml')
    expect(await kubernetesSchemaProblems(job)).toEqual([])
    expect(job.metadata.annotations?.['argocd.argoproj.io/hook']).toBe('PostSync')
    expectFailingJob(job.spec as JobSpec, options, 'argocd')
    const gate = podSpecOf(job)?.containers[0] as Container
    expect(gate.env?.find((e) => e.name === 'LOADFLEET_TOKEN')?.valueFrom?.secretKeyRef).toBeDefined()
  })

  it('Argo Rollouts: a valid AnalysisTemplate whose Job provider gates the canary with a projected identity token', async () => {
    const template = load<KubeObject>('argo-rollouts/loadfleet-gate-analysis.yaml')
    expect(await kubernetesSchemaProblems(template)).toEqual([])
    expect(await kubernetesSchemaProblems({ ...template, spec: { metrics: [{ provider: {} }] } })).not.toEqual([])
    interface Metric { name: string, count: number, failureLimit: number, provider: { job: { spec: JobSpec } } }
    const metric = (template.spec as { metrics: Metric[] }).metrics[0]
    expect(metric).toMatchObject({ count: 1, failureLimit: 0 })
    const spec = metric?.provider.job.spec as JobSpec
    expectFailingJob(spec, options, 'argo-rollouts')
    const pod = spec.template.spec
    const mount = pod.containers[0]?.volumeMounts?.find((m) => m.name === 'loadfleet-token')
    const source = pod.volumes?.find((v) => v.name === mount?.name)?.projected?.sources[0]?.serviceAccountToken
    expect(source?.audience).toMatch(/^https:\/\//)
    expect(pod.containers[0]?.args?.join(' ')).toContain(`LOADFLEET_TOKEN="$(cat ${mount?.mountPath ?? ''}/${source?.path ?? ''})"`)
  })
})

interface PodSpecWithProjection {
  containers: Container[]
  restartPolicy?: string
  volumes?: Array<{
    name: string, projected?: { sources: Array<{ serviceAccountToken?: { path: string, audience: string } }> }
  }>
}
interface JobSpec { backoffLimit?: number, template: { spec: PodSpecWithProjection } }

/** A Job that runs the gate once: its exit status is the pod's, and a failed pod fails the Job. */
function expectFailingJob (spec: JobSpec, options: Set<string>, where: string): void {
  expect(spec.backoffLimit, where).toBe(0)
  expect(spec.template.spec.restartPolicy, where).toBe('Never')
  const gate = spec.template.spec.containers[0]
  const command = [...gate?.command ?? [], ...gate?.args ?? []].join(' ')
  const args = expectGateCommand(command, options, where)
  expect(args[args.indexOf('--revision') + 1], where).toBeTruthy()
  expect(gate?.image, where).toMatch(/^ghcr\.io\/loadfleet\/control-plane:\d+\.\d+\.\d+$/)
}
