import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { BrowserCheckResult, BrowserCheckSpec } from '@loadfleet/core/base'
import { deviceProfile } from '@loadfleet/core/base'

/** What a check in a worker answers: the figures, and the screenshot as base64. */
export interface WorkerOutcome {
  result: BrowserCheckResult
  screenshot: { format: 'png' | 'jpeg', data: string } | null
}

// Built next to this file; from the sources (tests), the built copy.
const WORKER = [new URL('./check-worker.js', import.meta.url), new URL('../dist/check-worker.js', import.meta.url)]
  .map((url) => fileURLToPath(url)).find((path) => existsSync(path))

/**
 * Runs one check in a child process that exits after it, so the caller never holds playwright-core or a browser
 * between checks. Aborting ends the child (which closes its Chromium) and answers an `error` result.
 */
export async function runCheckInWorker (spec: BrowserCheckSpec, options: {
  signal: AbortSignal, chromiumPath?: string | undefined, screenshotFormat: 'png' | 'jpeg'
}): Promise<WorkerOutcome> {
  const startedAt = Date.now()
  const failed = (reason: string): WorkerOutcome => ({ result: errorResult(spec, reason, startedAt), screenshot: null })
  if (WORKER === undefined) return failed('the browser check worker is not built (npm run build)')
  const child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000) })
  const onAbort = (): void => { child.kill('SIGTERM') }
  options.signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await new Promise<WorkerOutcome>((resolve) => {
      child.once('message', (answer) => { resolve(answer as WorkerOutcome) })
      child.once('error', (err) => { resolve(failed(`the browser check worker could not start: ${err.message}`)) })
      child.once('exit', (code, signal) => {
        if (options.signal.aborted) resolve(failed('check aborted'))
        const last = stderr.trim().split('\n').at(-1) ?? ''
        resolve(failed(`the browser check worker ended without a result (${signal ?? `exit code ${code}`})${last === '' ? '' : `: ${last}`}`))
      })
      child.send({
        spec, screenshotFormat: options.screenshotFormat,
        ...(options.chromiumPath === undefined ? {} : { chromiumPath: options.chromiumPath }),
      })
    })
  } finally {
    options.signal.removeEventListener('abort', onAbort)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
}

function errorResult (spec: BrowserCheckSpec, reason: string, startedAt: number): BrowserCheckResult {
  return {
    url: spec.url, finalUrl: null, status: 'error', reason, startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt, httpStatus: null, navigation: null, vitals: {}, lcpElement: null,
    resources: {
      count: 0, bytes: 0, failedByStatus: {}, thirdPartyCount: 0, thirdPartyBytes: 0, thirdPartyShare: 0,
      slowest: [], entries: [],
    },
    consoleErrors: [], pageErrors: [], tls: null, steps: [], device: spec.device,
    viewport: spec.viewport ?? deviceProfile(spec.device).viewport,
  }
}
