import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { ApiClient, type Change, type Run, type Target } from '@loadfleet/api'
import { runMetricsOf, type TestSpec } from '@loadfleet/core'
import { runTest } from '@loadfleet/engine'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

// A site whose latency steps from ~20 ms to ~80 ms: real engine runs against a local target, reported through the
// agent API with start times spread over the last hour, so the chart shows them as the hourly view would.
const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const AGENT = 'stepping-agent'
const BASELINE_RUNS = 12
// Real runs on a shared machine vary; the detector must see the step within this many runs.
const MAX_STEPPED_RUNS = 8
// One run every 2.5 min, the oldest about 55 min ago: all inside the "Last hour" window.
const RUN_SPACING_MS = 150_000
const FIRST_RUN_AGO_MS = 55 * 60_000

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let agent: ApiClient
let target: Server
let delayMs = 20
let statusCode = 200
let site: Target
let change: Change
const runs: Run[] = []

function specOf (url: string): TestSpec {
  return {
    scenarios: [{ executor: 'constant-vus', name: 'default', startTimeMs: 0, gracefulStopMs: 1000, vus: 2, durationMs: 400 }],
    requests: [{ name: url, method: 'GET', url, headers: {}, expectStatus: null, timeoutMs: 5000 }],
    sleepMs: 0, thresholds: [], insecureSkipTLSVerify: false, maxRedirects: 0, userAgent: 'loadfleet-test',
    summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)'],
  }
}

/** One real run of the engine, reported as an agent would, at its slot in the last hour. */
async function oneRun (): Promise<Run> {
  const startedAt = Date.now() - FIRST_RUN_AGO_MS + runs.length * RUN_SPACING_MS
  const id = `stepping-run-${String(runs.length + 1).padStart(3, '0')}`
  await agent.startRun(AGENT, { id, targetId: site.id, startedAt: new Date(startedAt).toISOString() })
  const result = await runTest(specOf(site.url), {})
  const run = await agent.finishRun(AGENT, id, {
    status: result.outcome, finishedAt: new Date(startedAt + 1000).toISOString(), metrics: runMetricsOf(result),
    summary: result as unknown as Record<string, unknown>,
  })
  runs.push(run)
  return run
}

// What the latency chart marks, and how its flags name each metric.
const LATENCY_METRICS: Record<string, string> = {
  p50: 'p50', p95: 'p95', p99: 'p99', latency_distribution: 'latency distribution',
}

/** An open latency change, p95 first: which figure the detector confirms first varies with the machine's noise. */
async function openLatencyChange (): Promise<Change | undefined> {
  const open = (await admin.targetChanges(site.id, { state: 'open' })).data
  return open.find((c) => c.metric === 'p95') ?? open.find((c) => LATENCY_METRICS[c.metric] !== undefined)
}

/** The flag of the change on the latency chart, found by its accessible name. */
function changeFlag (): Locator {
  const name = LATENCY_METRICS[change.metric] ?? change.metric
  return latencyChart().getByRole('button', { name: new RegExp(`^Change at .*\\b${name} [+−]`) })
}

function latencyChart (): Locator {
  return page.locator('figure.chart', { hasText: 'Latency (p50' })
}

/** "+290 %", as the marker writes a relative change. */
function percentText (ratio: number): string {
  const pct = Math.round(ratio * 100)
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toLocaleString('en-US')} %`
}

// The colours the latency chart paints, as RGBA on its transparent canvas (the band has the p95 line's hue, but
// translucent).
const PAINT = {
  band: [36, 83, 214, 33], // rgba(36, 83, 214, 0.13)
  threshold: [124, 58, 237, 255], // #7c3aed
  failed: [198, 40, 40, 97], // rgba(198, 40, 40, 0.38)
  errored: [217, 119, 6, 128], // rgba(217, 119, 6, 0.5)
}

interface Canvas {
  width: number
  height: number
  getContext: (kind: '2d') => { getImageData: (...box: number[]) => { data: Uint8ClampedArray } } | null
}

/** Runs in the page: how many pixels of the canvas are within a few levels of each colour (RGBA). */
function countColours (canvas: Canvas, colours: number[][]): number[] {
  const { data } = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: [] }
  const near = (i: number, colour: number[]): boolean =>
    colour.every((level, k) => Math.abs((data[i + k] ?? 0) - level) <= 8)
  const counts = colours.map(() => 0)
  for (let i = 0; i < data.length; i += 4) {
    colours.forEach((colour, k) => { if (near(i, colour)) counts[k] = (counts[k] ?? 0) + 1 })
  }
  return counts
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  stack = await startStack()
  admin = new ApiClient({ baseUrl: stack.server.url, adminAuth: stack.server.adminAuth })
  agent = new ApiClient({ baseUrl: stack.server.url, agentToken: stack.server.agentToken })
  await agent.registerAgent({ name: AGENT })
  target = createServer((_req, res) => {
    setTimeout(() => {
      res.statusCode = statusCode
      res.end('ok')
    }, delayMs)
  })
  await once(target.listen(0, '127.0.0.1'), 'listening')
  // Disabled, so the stack's own agent leaves it alone: this test reports every run itself.
  site = await admin.createTarget({
    url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, label: 'Stepping', enabled: false,
    thresholds: { http_req_duration: ['p(95)<150'] },
  })
  for (let i = 0; i < BASELINE_RUNS; i++) await oneRun()
  delayMs = 80
  for (let i = 0; i < MAX_STEPPED_RUNS && (i < 3 || await openLatencyChange() === undefined); i++) await oneRun()
  // A failed run (every response a 500) and an errored one, to be coloured on the charts.
  statusCode = 500
  await oneRun()
  const startedAt = Date.now() - FIRST_RUN_AGO_MS + runs.length * RUN_SPACING_MS
  await agent.startRun(AGENT, { id: 'stepping-run-error', targetId: site.id, startedAt: new Date(startedAt).toISOString() })
  await agent.finishRun(AGENT, 'stepping-run-error', { status: 'error', errorMessage: 'the engine could not start' })
  const found = await openLatencyChange()
  if (found === undefined) {
    const all = (await admin.targetChanges(site.id)).data.map((c) => `${c.state}: ${String(c.details.explanation)}`)
    throw new Error(`no latency change after ${runs.length} runs; changes: ${all.join('\n') || 'none'}`)
  }
  change = found
  browser = await launchBrowser({ width: 1440, height: 900 })
  page = browser.page
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  target?.closeAllConnections()
  target?.close()
})

describe('a site with a detected change, in a real browser against a real control plane', () => {
  it('marks the change where it started, with its explanation on hover and on click', async () => {
    expect(runs.at(-1)?.status).toBe('failed')
    await page.goto(`${stack.server.url}/agents/k6/sites/${site.id}`)
    const chart = latencyChart()
    const flag = changeFlag()
    await flag.waitFor()
    // The flag sits over a run a change started at (the point's x on the hour-wide axis); changes a run or two
    // apart share the flag of the earliest.
    const series = await admin.targetSeries(site.id)
    const changes = (await admin.targetChanges(site.id)).data
    const starts = series.data.filter((p) => changes.some((c) => c.startedRunId === p.runId))
      .map((p) => Date.parse(p.t))
    expect(starts.length).toBeGreaterThan(0)
    const plot = await chart.locator('.u-over').boundingBox()
    const box = await flag.boundingBox()
    if (plot === null || box === null) throw new Error('chart not laid out')
    const hourAgo = Date.now() - 3_600_000
    const xOf = (t: number): number => plot.x + (t - hourAgo) / 3_600_000 * plot.width
    const offsets = starts.map((t) => Math.abs(box.x + box.width / 2 - xOf(t)))
    expect(Math.min(...offsets)).toBeLessThan(6)

    await flag.hover()
    const details = chart.getByRole('dialog', { name: /^Change details: / })
    await details.waitFor()
    const text = await details.textContent() ?? ''
    expect(text).toContain(String(change.details.explanation))
    expect(text).toContain(percentText(Number(change.details.relativeChange)))
    for (const words of ['Before', 'After', 'p-value', 'Effect size']) expect(text).toContain(words)
    const link = details.locator(`a[href="/agents/k6/runs/${change.startedRunId}"]`)
    expect(await link.textContent()).toBe('First run after the change →')
    await page.mouse.move(5, 5)
    await details.waitFor({ state: 'detached' })

    // A click keeps it open after the pointer leaves; Escape closes it.
    await flag.click()
    await page.mouse.move(5, 5)
    await details.waitFor()
    expect(await flag.getAttribute('aria-expanded')).toBe('true')
    await page.screenshot({ path: `${SCREENSHOTS}site-change-1440.png`, fullPage: true })
    await page.keyboard.press('Escape')
    await details.waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })

  it('names the open changes in words on the Sites page', async () => {
    await page.goto(`${stack.server.url}/agents/k6/sites`)
    const marker = page.getByTestId('site-changed')
    await marker.waitFor()
    const text = await marker.getAttribute('title') ?? ''
    const open = (await admin.targetChanges(site.id, { state: 'open' })).data
    expect(open.length).toBeGreaterThan(0)
    // No storage key shows: "latency distribution +310 %", not "latency_distribution +310%".
    expect(text).not.toMatch(/_/)
    expect(text).toMatch(/^Changed: /)
    expect(text).toMatch(/[+−]\d[\d,]* %/)
  })

  it('draws the baseline p95 band and names its range, the threshold line, and failed and errored runs', async () => {
    const baseline = await admin.targetBaseline(site.id)
    const band = baseline.latencyMs.p95
    expect(band).not.toBeNull()
    expect(baseline.runIds).not.toContain(change.startedRunId)
    await page.goto(`${stack.server.url}/agents/k6/sites/${site.id}`)
    const note = page.getByTestId('baseline-note')
    await note.waitFor()
    expect(await note.textContent()).toMatch(new RegExp(`middle half of ${band?.runs ?? -1} baseline runs`))
    // Painted on the canvas: pixels of the band's tint, the threshold line and the failed and errored runs' marks.
    const counts = await latencyChart().locator('canvas').evaluate(countColours, Object.values(PAINT))
    const painted = Object.fromEntries(Object.keys(PAINT).map((name, i) => [name, counts[i] ?? 0]))
    await page.getByRole('region', { name: 'Charts' }).screenshot({ path: `${SCREENSHOTS}site-change-charts-1440.png` })
    expect(painted.band).toBeGreaterThan(100)
    expect(painted.threshold).toBeGreaterThan(20)
    expect(painted.failed).toBeGreaterThan(50)
    expect(painted.errored).toBeGreaterThan(50)
    expect(await latencyChart().getByRole('img').getAttribute('aria-label')).toMatch(/^Latency .* chart, \d+ runs$/)

    // The 24-hour chart of buckets keeps the band and the flag.
    await page.getByRole('button', { name: '24 hours' }).click()
    await latencyChart().getByRole('img', { name: /chart, \d+ buckets$/ }).waitFor()
    await changeFlag().waitFor()
    await page.getByRole('region', { name: 'Charts' }).screenshot({ path: `${SCREENSHOTS}site-change-charts-24h.png` })
    expect(browser.problems).toEqual([])
  })

  it('keeps the marker and its explanation inside the screen at 360 px', async () => {
    await page.setViewportSize({ width: 360, height: 800 })
    await page.goto(`${stack.server.url}/agents/k6/sites/${site.id}`)
    const flag = changeFlag()
    await flag.click()
    const details = latencyChart().getByRole('dialog', { name: /^Change details/ })
    await details.waitFor()
    const box = await details.boundingBox()
    expect(box?.x).toBeGreaterThanOrEqual(0)
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(360)
    await page.screenshot({ path: `${SCREENSHOTS}site-change-360.png` })
    await page.keyboard.press('Escape')
    await page.getByRole('region', { name: 'Charts' }).screenshot({ path: `${SCREENSHOTS}site-change-charts-360.png` })
    await page.keyboard.press('Escape')
    await page.setViewportSize({ width: 1440, height: 900 })
  })
})

describe('the site form edits thresholds and expected statuses', () => {
  const form = (name: string): Locator => page.getByRole('form', { name })

  it('refuses a bad threshold with the line named, storing nothing, then saves and shows them again', async () => {
    await page.goto(`${stack.server.url}/agents/k6/sites`)
    await page.evaluate(`window.sessionStorage.setItem('loadfleet.adminAuth', ${JSON.stringify(stack.server.adminAuth)})`)
    await page.reload()
    const before = (await admin.listTargets()).data.length
    await page.getByRole('button', { name: 'Add site' }).click()
    const add = form('Add site')
    expect(await add.getByLabel('Expected statuses').inputValue()).toBe('200-399')
    await add.getByLabel('URL').fill(`${stack.targetUrl}/form`)
    await add.getByLabel('Label').fill('Form site')
    await add.getByLabel('Enabled', { exact: true }).uncheck()
    await add.getByLabel('Thresholds').fill('http_req_failed: rate<0.01\nhttp_req_duration: p(95)<<5')
    await add.getByRole('button', { name: 'Add site' }).click()
    const error = add.getByText(/^Thresholds, line 2: expected a threshold like 'p\(95\)<500'.*got 'p\(95\)<<5'/)
    await error.waitFor()
    expect(await add.getByLabel('Thresholds').getAttribute('aria-invalid')).toBe('true')
    expect((await admin.listTargets()).data).toHaveLength(before)
    await page.screenshot({ path: `${SCREENSHOTS}site-form-threshold-error.png`, fullPage: true })

    await add.getByLabel('Thresholds').fill('http_req_duration: p(95)<500, p(99)<1500\nhttp_req_failed: rate<0.01')
    await add.getByLabel('Expected statuses').fill('200-299, 404')
    await add.getByRole('button', { name: 'Add site' }).click()
    await add.waitFor({ state: 'detached' })
    const saved = (await admin.listTargets()).data.find((t) => t.label === 'Form site')
    expect(saved?.thresholds).toEqual({ http_req_duration: ['p(95)<500', 'p(99)<1500'], http_req_failed: ['rate<0.01'] })
    expect(saved?.expectedStatuses).toEqual(['200-299', 404])

    await page.getByRole('button', { name: 'Edit Form site' }).click()
    const edit = form('Edit site')
    expect(await edit.getByLabel('Thresholds').inputValue())
      .toBe('http_req_duration: p(95)<500, p(99)<1500\nhttp_req_failed: rate<0.01')
    expect(await edit.getByLabel('Expected statuses').inputValue()).toBe('200-299, 404')
  })

  it('refuses a bad status in words and a line without a metric before asking the server', async () => {
    const edit = form('Edit site')
    await edit.getByLabel('Expected statuses').fill('200-299, 4040')
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await edit.getByText('Expected statuses: expected a status code from 100 to 599, got 4040').waitFor()
    const stored = (await admin.listTargets()).data.find((t) => t.label === 'Form site')
    expect(stored?.expectedStatuses).toEqual(['200-299', 404])

    await edit.getByLabel('Expected statuses').fill('200-299')
    await edit.getByLabel('Thresholds').fill('p(95)<500')
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await edit.getByText(/^Thresholds, line 1: write a metric, a colon and its thresholds/).waitFor()
    expect((await admin.listTargets()).data.find((t) => t.label === 'Form site')?.thresholds)
      .toEqual(stored?.thresholds)

    await edit.getByLabel('Thresholds').fill('')
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await edit.waitFor({ state: 'detached' })
    const cleared = (await admin.listTargets()).data.find((t) => t.label === 'Form site')
    expect(cleared).toMatchObject({ thresholds: {}, expectedStatuses: ['200-299'] })
    // Refused saves are logged by the browser as failed loads; nothing else may be.
    expect(browser.problems.filter((problem) => !problem.includes('status of 400'))).toEqual([])
  })
})
