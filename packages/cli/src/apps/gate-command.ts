import { hostname, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { ApiClient, ApiError, type GateEvidence } from '@loadfleet/api'
import { EXIT_CODES } from '@loadfleet/core'
import { onStopSignals } from '../stop-signals.js'
import { gitHead } from './git-head.js'
import { baselineFromControlPlane, baselineFromEvidenceDir } from './gate/baseline.js'
import { fleetRunner } from './gate/fleet-runner.js'
import { renderJunit } from './gate/junit.js'
import { localRunner } from './gate/local-runner.js'
import { renderMarkdown } from './gate/markdown.js'
import { writeWhole, type WrittenFile } from './gate/output-files.js'
import { gateReporter } from './gate/reporter.js'
import { runGate, type GateIdentity, type LoadedBaseline } from './gate/run-gate.js'
import { loadTreeOrReport } from './validate-command.js'

/** Options of `loadfleet gate`. */
export interface GateOptions {
  dir: string
  revision?: string
  junit?: string
  evidence?: string
  markdown?: string
  local?: boolean
  url?: string
  token?: string
}

const VERDICT_EXIT: Record<GateEvidence['verdict'], number> = {
  pass: EXIT_CODES.ok, warn: EXIT_CODES.ok, fail: EXIT_CODES.thresholdsFailed, inconclusive: EXIT_CODES.runError,
}

/**
 * `loadfleet gate APP`: runs the gate tests of the app and its descendants (on the fleet, or here with --local),
 * writes the JUnit, evidence and Markdown files, records the gate on the control plane when there is one, and
 * exits 0 (pass, warn), 99 (fail) or 103 (could not run).
 */
export async function gateCommand (name: string, opts: GateOptions): Promise<number> {
  const client = clientOf(opts)
  if (typeof client === 'string') return usage(client)
  if (opts.local !== true && client === undefined) {
    return usage('a gate on the fleet needs the control plane: give --url or LOADFLEET_URL and credentials ' +
      '(--token, LOADFLEET_TOKEN or LOADFLEET_ADMIN=user:password), or run it on this machine with --local')
  }
  const tree = await loadTreeOrReport(opts.dir)
  if (tree === undefined) return EXIT_CODES.invalidInput
  const root = tree.apps.get(name)
  if (root === undefined) return usage(`no app named '${name}'; apps: ${[...tree.apps.keys()].join(', ')}`)
  const revision = opts.revision ?? await gitHead(dirname(root.path)) ?? null
  if (client !== undefined && revision === null) {
    return usage('the control plane keeps gates by revision: give --revision (or run inside a Git repository)')
  }
  let baseline: LoadedBaseline | undefined
  try {
    baseline = client !== undefined
      ? await baselineFromControlPlane(client, name)
      : opts.evidence === undefined ? undefined : await baselineFromEvidenceDir(opts.evidence, name)
  } catch (err) {
    return cannotReach(err)
  }
  const abort = new AbortController()
  const off = onStopSignals(() => abort.abort(), () => process.exit(EXIT_CODES.externalAbort))
  let evidence: GateEvidence
  try {
    evidence = await runGate({
      tree, root, revision, baseline, identity: identityOf(), signal: abort.signal,
      mode: opts.local === true ? 'local' : 'fleet',
      runner: opts.local === true || client === undefined ? localRunner() : fleetRunner(client, localRunner()),
      reporter: gateReporter(process.stdout, process.stderr),
    })
  } finally {
    off()
  }
  if (abort.signal.aborted) {
    process.stderr.write('loadfleet gate: interrupted; no files written and nothing recorded\n')
    return EXIT_CODES.externalAbort
  }
  const code = await writeAndRecord(evidence, opts, client)
  return code ?? VERDICT_EXIT[evidence.verdict]
}

/** Writes the files asked for and records the gate; answers an exit code only when something went wrong. */
async function writeAndRecord (evidence: GateEvidence, opts: GateOptions, client: ApiClient | undefined):
Promise<number | undefined> {
  const text = JSON.stringify(evidence, null, 2) + '\n'
  const written: WrittenFile[] = []
  try {
    if (opts.junit !== undefined) written.push(await writeWhole('junit', opts.junit, renderJunit(evidence)))
    if (opts.evidence !== undefined) {
      const stamp = evidence.revision ?? evidence.finishedAt.replace(/[:.]/g, '-')
      written.push(await writeWhole('evidence', join(opts.evidence, `gate-${evidence.app}-${stamp}.json`), text))
    }
    if (opts.markdown !== undefined) written.push(await writeWhole('markdown', opts.markdown, renderMarkdown(evidence)))
  } catch (err) {
    process.stderr.write(`loadfleet gate: cannot write ${(err as NodeJS.ErrnoException).path ?? 'a file'}: ${(err as Error).message}\n`)
    return EXIT_CODES.runError
  }
  const lines = written.map((f) => `${f.kind}: ${f.path} sha256:${f.sha256}`)
  let code: number | undefined
  if (client !== undefined) {
    try {
      const gate = await client.recordGate({ evidence: text })
      lines.push(`recorded: gate ${gate.id} of ${gate.app} at revision ${gate.revision ?? '(none)'} sha256:${gate.evidenceSha256}`)
    } catch (err) {
      code = cannotReach(err, 'the gate ran but could not be recorded')
    }
  }
  const baseline = evidence.baseline === null ? 'none' : `${evidence.baseline.revision ?? '(none)'} (${evidence.baseline.source})`
  lines.push(`verdict: ${evidence.verdict} (app ${evidence.app}, revision ${evidence.revision ?? '(none)'}, baseline ${baseline})`)
  process.stdout.write(lines.join('\n') + '\n')
  return code
}

/** The API client when a control plane is given; a message when it is given without credentials. */
function clientOf (opts: GateOptions): ApiClient | undefined | string {
  const baseUrl = opts.url ?? process.env.LOADFLEET_URL
  if (baseUrl === undefined) return undefined
  const apiToken = opts.token ?? process.env.LOADFLEET_TOKEN
  const adminAuth = process.env.LOADFLEET_ADMIN
  if (apiToken === undefined && adminAuth === undefined) {
    return `the control plane ${baseUrl} needs credentials: --token or LOADFLEET_TOKEN (role editor or admin), ` +
      'or LOADFLEET_ADMIN=user:password'
  }
  return new ApiClient({ baseUrl, ...(apiToken !== undefined ? { apiToken } : { adminAuth: adminAuth ?? '' }) })
}

function identityOf (): GateIdentity {
  const env = process.env
  const ci = env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? (env.CI !== undefined ? 'ci' : undefined)
  let user = env.USER ?? 'unknown'
  try {
    user = userInfo().username
  } catch {
    // No passwd entry (some containers): keep $USER.
  }
  return { user, host: hostname(), ci: ci ?? null }
}

function usage (message: string): number {
  process.stderr.write(`loadfleet gate: ${message}\n`)
  return EXIT_CODES.invalidInput
}

function cannotReach (err: unknown, what = 'cannot use the control plane'): number {
  if (err instanceof ApiError) {
    process.stderr.write(`loadfleet gate: ${what}: control plane refused (${err.status} ${err.code}): ${err.message}\n`)
  } else {
    process.stderr.write(`loadfleet gate: ${what}: ${err instanceof Error ? err.message : String(err)}\n`)
  }
  return EXIT_CODES.runError
}
