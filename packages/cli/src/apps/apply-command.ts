import { dirname } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { ApiClient, ApiError, type ApplyChange, type ApplyResult } from '@loadfleet/api'
import { EXIT_CODES } from '@loadfleet/core'
import { gitHead } from './git-head.js'
import { desiredTargets, type DesiredTargets } from './desired-targets.js'
import { loadTreeOrReport } from './validate-command.js'

/** Options shared by the commands that talk to a control plane. */
export interface ControlPlaneOptions {
  url?: string
  token?: string
  prune?: boolean
}

export interface ApplyOptions extends ControlPlaneOptions {
  revision?: string
  yes?: boolean
}

/** diff's exit code when apply would change something, for CI (as `terraform plan -detailed-exitcode`). */
const EXIT_CHANGES = 2

/** `loadfleet diff DIR`: what apply would create, change or delete; exit 0 when nothing, 2 when something. */
export async function diffCommand (dir: string, opts: ControlPlaneOptions): Promise<number> {
  const prepared = await prepare(dir, opts)
  if (typeof prepared === 'number') return prepared
  const plan = await call(() => prepared.client.applyTargets({ ...prepared.body, dryRun: true }))
  if (typeof plan === 'number') return plan
  printPlan(plan, prepared.desired)
  return plan.changes.length === 0 ? EXIT_CODES.ok : EXIT_CHANGES
}

/** `loadfleet apply DIR`: shows the plan, asks (or needs --yes), then applies it all in one transaction. */
export async function applyCommand (dir: string, opts: ApplyOptions): Promise<number> {
  const prepared = await prepare(dir, opts)
  if (typeof prepared === 'number') return prepared
  const revision = opts.revision ?? await gitHead(prepared.rootDir)
  const body = { ...prepared.body, revision: revision ?? null }
  const plan = await call(() => prepared.client.applyTargets({ ...body, dryRun: true }))
  if (typeof plan === 'number') return plan
  printPlan(plan, prepared.desired)
  if (plan.changes.length === 0) return EXIT_CODES.ok
  if (opts.yes !== true) {
    if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
      process.stderr.write('not applied: not on a terminal; run again with --yes to apply this plan\n')
      return EXIT_CHANGES
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout })
    const answer = await rl.question('Apply these changes? [y/N] ')
    rl.close()
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('not applied\n')
      return EXIT_CHANGES
    }
  }
  const result = await call(() => prepared.client.applyTargets(body))
  if (typeof result === 'number') return result
  const count = (action: ApplyChange['action']) => result.changes.filter((c) => c.action === action).length
  process.stdout.write(`applied${revision === undefined ? '' : ` revision ${revision}`}: ${count('create')} created, ` +
    `${count('update')} updated, ${count('delete')} deleted\n`)
  return EXIT_CODES.ok
}

interface Prepared {
  client: ApiClient
  desired: DesiredTargets
  body: { targets: DesiredTargets['targets'], prune: boolean }
  /** The root manifest's directory. */
  rootDir: string
}

async function prepare (dir: string, opts: ControlPlaneOptions): Promise<Prepared | number> {
  const baseUrl = opts.url ?? process.env.LOADFLEET_URL
  const apiToken = opts.token ?? process.env.LOADFLEET_TOKEN
  const adminAuth = process.env.LOADFLEET_ADMIN
  if (baseUrl === undefined || (apiToken === undefined && adminAuth === undefined)) {
    process.stderr.write('give the control plane with --url or LOADFLEET_URL, and credentials: an API token ' +
      '(--token or LOADFLEET_TOKEN, role editor or admin) or LOADFLEET_ADMIN=user:password\n')
    return EXIT_CODES.invalidInput
  }
  // A token wins over the admin's password: it names who applied in the audit trail.
  const credentials = apiToken !== undefined ? { apiToken } : { adminAuth: adminAuth ?? '' }
  const tree = await loadTreeOrReport(dir)
  if (tree === undefined) return EXIT_CODES.invalidInput
  const desired = desiredTargets(tree)
  return {
    client: new ApiClient({ baseUrl, ...credentials }), desired, rootDir: dirname(tree.root.path),
    body: { targets: desired.targets, prune: opts.prune === true },
  }
}

/** Runs an API call; a refusal is printed with every field it names (exit 104), anything else is exit 103. */
async function call (work: () => Promise<ApplyResult>): Promise<ApplyResult | number> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(`control plane refused (${err.status} ${err.code}): ${err.message}\n`)
      return err.status >= 400 && err.status < 500 ? EXIT_CODES.invalidInput : EXIT_CODES.runError
    }
    process.stderr.write(`cannot reach the control plane: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT_CODES.runError
  }
}

const SIGN = { create: '+', update: '~', delete: '-' } as const

function printPlan (plan: ApplyResult, desired: DesiredTargets): void {
  const lines = plan.changes.map((c) => `${SIGN[c.action]} ${c.action} ${c.app}/${c.test}` +
    (c.fields.length > 0 ? ` (${c.fields.join(', ')})` : ''))
  for (const s of desired.skipped) lines.push(`  skip ${s.app}/${s.test}: ${s.why}`)
  for (const n of desired.notes) lines.push(`  note ${n.app}/${n.test}: header ${n.why}`)
  const count = (action: ApplyChange['action']) => plan.changes.filter((c) => c.action === action).length
  lines.push(plan.changes.length === 0
    ? `no changes (${plan.unchanged} up to date)`
    : `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${plan.unchanged} unchanged`)
  process.stdout.write(lines.join('\n') + '\n')
}
