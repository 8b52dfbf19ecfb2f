import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { ApiClient, ApiError, type DistributedRun } from '@loadfleet/api'
import { EXIT_CODES } from '@loadfleet/core'
import type { RunResult } from '@loadfleet/core'
import { renderTextSummary } from '@loadfleet/engine'
import { onStopSignals } from '../stop-signals.js'

/** Options of `loadfleet run FILE --on URL`. */
export interface RunOnOptions {
  on: string
  agents?: string
  token?: string
  json: boolean
  quiet: boolean
}

/** The control plane is asked this often how the run stands. */
const POLL_MS = 1000
const TEST_SOURCE_MAX_CHARS = 256 * 1024

function fail (message: string, code: number = EXIT_CODES.invalidInput): number {
  process.stderr.write(`loadfleet run: ${message}\n`)
  return code
}

/**
 * Submits the test to a control plane for `--agents` agents, follows it on stderr (parts accepted, started,
 * reported) and prints the merged summary; exits as a local run does (0 passed, 99 thresholds crossed, 103 the run
 * could not be carried out, 104 bad input, 105 interrupted — the run goes on on the control plane).
 */
export async function runOnControlPlane (file: string | undefined, opts: RunOnOptions): Promise<number> {
  if (file === undefined) return fail('--on needs a test file or k6 script to send (loadfleet run test.yaml --on URL)')
  const agents = Number(opts.agents ?? '1')
  if (!Number.isInteger(agents) || agents < 1 || agents > 100) {
    return fail(`--agents '${opts.agents ?? ''}': expected a whole number from 1 to 100`)
  }
  let url: URL
  try {
    url = new URL(opts.on)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http')
  } catch {
    return fail(`--on '${opts.on}': expected the control plane's http:// or https:// URL`)
  }
  const apiToken = opts.token ?? process.env.LOADFLEET_TOKEN
  const adminAuth = process.env.LOADFLEET_ADMIN
  if (apiToken === undefined && adminAuth === undefined) {
    return fail(`the control plane ${url.origin} needs credentials: --token or LOADFLEET_TOKEN (role editor or admin), ` +
      'or LOADFLEET_ADMIN=user:password')
  }
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch (err) {
    return fail(`cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`)
  }
  if (source.length > TEST_SOURCE_MAX_CHARS) return fail(`'${file}' is larger than 256 KB; a test sent to agents must fit`)
  const client = new ApiClient({ baseUrl: url.toString(), ...(apiToken !== undefined ? { apiToken } : { adminAuth: adminAuth ?? '' }) })
  let run: DistributedRun
  try {
    run = await client.createDistributedRun({ test: { file: basename(file), source }, agents })
  } catch (err) {
    return refused(err, file)
  }
  const say = (line: string): void => { if (!opts.quiet) process.stderr.write(`${line}\n`) }
  say(`loadfleet run: distributed run ${run.id} on ${url.origin}: ${agents} part${agents === 1 ? '' : 's'} (${run.sequence}), waiting for agents`)
  let interrupted = false
  const off = onStopSignals(() => { interrupted = true }, () => process.exit(EXIT_CODES.externalAbort))
  try {
    run = await follow(client, run, say, () => interrupted)
  } catch (err) {
    return refused(err, file, EXIT_CODES.runError)
  } finally {
    off()
  }
  if (interrupted && (run.status === 'waiting' || run.status === 'running')) {
    return fail(`interrupted; the run goes on on the control plane: ${url.origin}/api/dashboard/k6/distributed-runs/${run.id}`,
      EXIT_CODES.externalAbort)
  }
  return report(run, opts)
}

async function follow (client: ApiClient, first: DistributedRun, say: (line: string) => void, stop: () => boolean):
Promise<DistributedRun> {
  let run = first
  let last = ''
  while (!stop()) {
    const accepted = run.parts.filter((p) => p.status !== 'open' && p.status !== 'claimed').length
    const reported = run.parts.filter((p) => p.status === 'reported').length
    const line = run.status === 'waiting'
      ? `parts accepted ${accepted}/${run.agents}`
      : run.status === 'running' ? `running since ${run.startAt ?? '?'}: parts reported ${reported}/${run.agents}` : ''
    if (line !== '' && line !== last) say(`loadfleet run: ${line}`)
    last = line
    if (run.status !== 'waiting' && run.status !== 'running') return run
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    run = await client.getDistributedRun(run.id)
  }
  return run
}

function report (run: DistributedRun, opts: RunOnOptions): number {
  const result = run.result as unknown as RunResult | null
  if (opts.json) process.stdout.write(JSON.stringify(run) + '\n')
  else if (result !== null) {
    const parts = run.parts.map((p) => `  part ${p.index + 1} (${p.segment}) on ${p.agentName ?? '-'}: ${p.requests ?? 0} requests`)
    process.stdout.write(`\n${parts.join('\n')}\n\n`)
    process.stdout.write(renderTextSummary(result, { trendStats: trendStatsOf(result), color: process.stdout.isTTY }) + '\n')
  }
  if (run.status === 'passed') return EXIT_CODES.ok
  if (run.status === 'failed') {
    return fail(`thresholds crossed on the merged result: ${run.failureReason ?? ''}`, EXIT_CODES.thresholdsFailed)
  }
  return fail(`the distributed run could not be carried out: ${run.failureReason ?? 'unknown error'}`, EXIT_CODES.runError)
}

function trendStatsOf (result: RunResult): string[] {
  const values = result.metrics.http_req_duration?.values ?? result.metrics.iteration_duration?.values
  return values === undefined ? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'] : Object.keys(values)
}

function refused (err: unknown, file: string, otherwise: number = EXIT_CODES.runError): number {
  if (!(err instanceof ApiError)) {
    return fail(`cannot reach the control plane: ${err instanceof Error ? err.message : String(err)}`, otherwise)
  }
  type Issue = { path: string, message: string, line?: number }
  const issues = (err.details as { issues?: Issue[] } | undefined)?.issues
  if (err.status === 400 && issues !== undefined && issues.length > 0) {
    for (const i of issues) {
      const where = i.path === 'body.test.source' && i.line !== undefined ? `${file}:${i.line}` : file
      process.stderr.write(`${where}: error: ${i.path === 'body.test.source' ? '' : `${i.path}: `}${i.message}\n`)
    }
    return EXIT_CODES.invalidInput
  }
  const code = err.status === 401 || err.status === 403 ? EXIT_CODES.invalidInput : otherwise
  return fail(`the control plane refused the run (${err.status} ${err.code}): ${err.message}`, code)
}
