import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  EXIT_CODES, formatDiagnostic, parseCheckFile, parseDurationMs, readCheckOptions, type BrowserCheckSpec,
  type DevicePreset,
} from '@loadfleet/core'
import { runBrowserCheck } from '@loadfleet/browser'
import { formatCheckResult } from './format-check.js'
import { onStopSignals } from '../stop-signals.js'

/** The flags of `loadfleet check`. */
export interface CheckCommandOptions {
  steps?: string
  screenshot?: string
  device?: DevicePreset
  timeout?: string
  insecureSkipTlsVerify?: boolean
  json: boolean
}

/** `loadfleet check URL`: builds the check, runs it, prints the figures; resolves to the exit code. */
export async function checkCommand (url: string, opts: CheckCommandOptions): Promise<number> {
  const spec = await specOf(url, opts)
  if (typeof spec === 'string') {
    process.stderr.write(`${spec}\n`)
    return EXIT_CODES.invalidInput
  }
  const abort = new AbortController()
  const off = onStopSignals(() => { abort.abort() }, () => process.exit(EXIT_CODES.externalAbort))
  let outcome
  try {
    outcome = await runBrowserCheck(spec, { signal: abort.signal, screenshotFormat: 'png' })
  } finally {
    off()
  }
  const { result, screenshot } = outcome
  let screenshotFile: string | null = null
  if (screenshot !== null) {
    screenshotFile = opts.screenshot ?? join(await mkdtemp(join(tmpdir(), 'loadfleet-check-')), 'failure.png')
    await writeFile(screenshotFile, screenshot.data)
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...result, screenshotFile }, null, 2) + '\n')
  } else {
    process.stdout.write(formatCheckResult(result, screenshotFile))
  }
  if (abort.signal.aborted) return EXIT_CODES.externalAbort
  if (result.status === 'passed') return EXIT_CODES.ok
  process.stderr.write(`check ${result.status === 'error' ? 'error' : 'failed'}: ${result.reason ?? 'unknown reason'}\n`)
  return result.status === 'error' ? EXIT_CODES.runError : EXIT_CODES.thresholdsFailed
}

/** The check the URL and flags describe, or the one-line error (`file:line: error: …`) that stops it. */
async function specOf (url: string, opts: CheckCommandOptions): Promise<BrowserCheckSpec | string> {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    return `error: expected an http:// or https:// URL, got '${url}'`
  }
  const fromFile = opts.steps === undefined ? readCheckOptions([]) : await readStepsFile(opts.steps)
  if (typeof fromFile === 'string') return fromFile
  if (fromFile.value === undefined) return 'error: the check options are invalid'
  let timeoutMs = fromFile.value.timeoutMs
  if (opts.timeout !== undefined) {
    const ms = parseDurationMs(opts.timeout)
    if (ms === undefined || ms <= 0) return `error: --timeout: expected a duration like 30s, got '${opts.timeout}'`
    timeoutMs = ms
  }
  return {
    ...fromFile.value,
    url: parsed.href,
    timeoutMs,
    ...(opts.device === undefined ? {} : { device: opts.device }),
    ...(opts.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}),
    ...(opts.screenshot === undefined ? {} : { screenshot: 'always' as const }),
  }
}

async function readStepsFile (file: string): Promise<ReturnType<typeof readCheckOptions> | string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return `${file}: error: cannot read the steps file (${(err as NodeJS.ErrnoException).code ?? String(err)})`
  }
  const { value, diagnostics } = parseCheckFile(text, { file })
  if (value === undefined) return diagnostics.map(formatDiagnostic).join('\n')
  return { value, problems: [] }
}
