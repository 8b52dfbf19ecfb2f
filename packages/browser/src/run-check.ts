import type { Browser, BrowserContext, Page } from 'playwright-core'
import { deviceProfile, type BrowserCheckResult, type BrowserCheckSpec, type StepResult } from '@loadfleet/core/base'
import { chromiumPath, launchChromium } from './launch-chromium.js'
import { NetworkRecorder } from './network-recorder.js'
import { navigationTimingOf, vitalsOf } from './page-figures.js'
import { summariseResources } from './resource-summary.js'
import { runSteps } from './run-steps.js'
import { errorLine, formatWait, isTimeout } from './failure-reason.js'
import { READ_VITALS_EXPRESSION, VITALS_INIT_SCRIPT, type PageVitals } from './vitals-script.js'
import { PageProblems } from './page-problems.js'

/** Options of one check run. */
export interface RunCheckOptions {
  /** Defaults to `CHROMIUM_PATH`, else /usr/bin/chromium. */
  chromiumPath?: string
  /** Aborting closes the browser: the check ends at once as `error` ("check aborted"). */
  signal?: AbortSignal
  /** PNG for a file the user asked for; JPEG keeps an agent's stored screenshots small. */
  screenshotFormat?: 'png' | 'jpeg'
  /** Called with the page once the check is done, before teardown: for reading more than the check measures. */
  inspectPage?: (page: Page) => Promise<void>
}

/** A check's figures and, when one was taken, its screenshot. */
export interface CheckOutcome {
  result: BrowserCheckResult
  screenshot: { format: 'png' | 'jpeg', data: Buffer } | null
}

// After `load`, wait until no request has started or ended for this long, so late images and layout shifts that
// the load triggers are counted; at most SETTLE_MAX_MS, which bounds a page that polls for ever.
const QUIET_MS = 300
const SETTLE_MAX_MS = 3000
const LAUNCH_TIMEOUT_MS = 30_000
const SCREENSHOT_TIMEOUT_MS = 5000
const JPEG_QUALITY = 60

/** Runs one browser check in a fresh Chromium and context: load the URL, measure, run the steps, tear down. */
export async function runBrowserCheck (spec: BrowserCheckSpec, options: RunCheckOptions = {}): Promise<CheckOutcome> {
  const startedAt = Date.now()
  const deadline = startedAt + spec.timeoutMs
  const profile = deviceProfile(spec.device)
  const viewport = spec.viewport ?? profile.viewport
  const base = { url: spec.url, startedAt: new Date(startedAt).toISOString(), device: spec.device, viewport }
  let browser: Browser
  try {
    browser = await launchChromium({
      executablePath: chromiumPath(options.chromiumPath), timeoutMs: Math.min(LAUNCH_TIMEOUT_MS, spec.timeoutMs),
    })
  } catch (err) {
    const reason = `Chromium could not be started (${chromiumPath(options.chromiumPath)}): ${errorLine(err)}`
    return { result: emptyResult({ ...base, status: 'error', reason, durationMs: Date.now() - startedAt }), screenshot: null }
  }
  const onAbort = (): void => { void browser.close() }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const context = await browser.newContext({
      viewport, deviceScaleFactor: profile.deviceScaleFactor, isMobile: profile.isMobile, hasTouch: profile.hasTouch,
      ignoreHTTPSErrors: spec.insecureSkipTlsVerify,
    })
    const outcome = await measure(spec, {
      context, deadline, screenshotFormat: options.screenshotFormat ?? 'png', inspectPage: options.inspectPage,
    })
    await context.close()
    const result = { ...base, ...outcome.figures, durationMs: Date.now() - startedAt }
    return { result, screenshot: outcome.screenshot }
  } catch (err) {
    const reason = options.signal?.aborted === true ? 'check aborted' : `the check could not be carried out: ${errorLine(err)}`
    return { result: emptyResult({ ...base, status: 'error', reason, durationMs: Date.now() - startedAt }), screenshot: null }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    await browser.close().catch(() => {})
  }
}

type Figures = Omit<BrowserCheckResult, 'url' | 'startedAt' | 'durationMs' | 'device' | 'viewport'>

interface MeasureOptions {
  context: BrowserContext
  deadline: number
  screenshotFormat: 'png' | 'jpeg'
  inspectPage: RunCheckOptions['inspectPage']
}

async function measure (spec: BrowserCheckSpec, o: MeasureOptions): Promise<{ figures: Figures, screenshot: CheckOutcome['screenshot'] }> {
  await o.context.addInitScript({ content: VITALS_INIT_SCRIPT })
  const page = await o.context.newPage()
  const problems = PageProblems.watch(page)
  const recorder = await NetworkRecorder.attach(await o.context.newCDPSession(page))
  const status = { current: null as number | null }
  let reason = await load(page, spec.url, { deadline: o.deadline, timeoutMs: spec.timeoutMs, status })
  await settle(recorder, o.deadline)
  const vitals = await page.evaluate(READ_VITALS_EXPRESSION).catch(() => null) as PageVitals | null
  const loadStatus = status.current
  const judgesStatus = spec.steps.some((s) => s.action === 'expectStatus')
  if (reason === null && !judgesStatus && loadStatus !== null && loadStatus >= 400) reason = `the page answered HTTP ${loadStatus}`
  let steps: StepResult[] = []
  if (reason === null) {
    const outcome = await runSteps(spec.steps, {
      page, stepTimeoutMs: spec.stepTimeoutMs, deadline: o.deadline, checkTimeoutMs: spec.timeoutMs, status,
    })
    steps = outcome.results
    reason = outcome.reason
  }
  await o.inspectPage?.(page)
  const screenshot = reason !== null || spec.screenshot === 'always' ? await takeScreenshot(page, o.screenshotFormat) : null
  const requests = recorder.requests()
  const originS = requests[0]?.startS ?? 0
  const endS = Math.max(originS, ...requests.map((r) => r.endS ?? 0))
  const navigation = navigationTimingOf(vitals?.navigation ?? null)
  return {
    figures: {
      finalUrl: page.url() === 'about:blank' ? null : page.url(),
      status: reason === null ? 'passed' : 'failed',
      reason,
      httpStatus: loadStatus,
      navigation,
      vitals: vitals === null ? {} : vitalsOf(vitals, navigation),
      lcpElement: vitals?.lcpElement ?? null,
      resources: summariseResources(requests, { pageUrl: spec.url, originS, endS }),
      ...problems.list(),
      tls: recorder.tls(),
      steps,
    },
    screenshot,
  }
}

/** Loads the check's URL; null when it loaded, else why not. */
interface LoadOptions { deadline: number, timeoutMs: number, status: { current: number | null } }

async function load (page: Page, url: string, o: LoadOptions): Promise<string | null> {
  const timeout = Math.max(1, o.deadline - Date.now())
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout })
    o.status.current = response?.status() ?? null
    return null
  } catch (err) {
    if (isTimeout(err)) return `the page did not finish loading within the check's ${formatWait(o.timeoutMs)}`
    return `the page could not be loaded: ${errorLine(err).replace(/ at https?:\/\/\S+$/, '')}`
  }
}

async function settle (recorder: NetworkRecorder, deadline: number): Promise<void> {
  const until = Math.min(Date.now() + SETTLE_MAX_MS, deadline)
  while (Date.now() < until) {
    const { inFlight, quietForMs } = recorder.activity()
    if (inFlight === 0 && quietForMs >= QUIET_MS) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function takeScreenshot (page: Page, format: 'png' | 'jpeg'): Promise<CheckOutcome['screenshot']> {
  try {
    const data = await page.screenshot({
      type: format, timeout: SCREENSHOT_TIMEOUT_MS, ...(format === 'jpeg' ? { quality: JPEG_QUALITY } : {}),
    })
    return { format, data }
  } catch {
    return null // a page too broken to draw keeps its reason; the missing picture is no second failure
  }
}

function emptyResult (r: Pick<BrowserCheckResult, 'url' | 'startedAt' | 'device' | 'viewport' | 'status' | 'reason' | 'durationMs'>):
BrowserCheckResult {
  return {
    ...r, finalUrl: null, httpStatus: null, navigation: null, vitals: {}, lcpElement: null,
    resources: {
      count: 0, bytes: 0, failedByStatus: {}, thirdPartyCount: 0, thirdPartyBytes: 0, thirdPartyShare: 0,
      slowest: [], entries: [],
    },
    consoleErrors: [], pageErrors: [], tls: null, steps: [],
  }
}
