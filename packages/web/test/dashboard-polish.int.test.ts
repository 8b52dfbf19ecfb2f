import { readdirSync } from 'node:fs'
import { get } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const WEB_ASSETS = fileURLToPath(new URL('../dist/assets/', import.meta.url))
// A label as long as people write them (the API allows 200 characters), and an unlabeled site whose URL has no
// place to break: both must be cut, not push the latency columns off screen.
const LONG_LABEL = 'Checkout API · EU-West production behind the CDN edge, measuring the slowest path of the payment ' +
  'flow: cart, address, shipping options, payment intent, 3-D Secure and confirmation'
const LONG_PATH = `/${'catalogue-search-results-page-with-filters-'.repeat(3)}end`
// Not UTC, so a dashboard that ignores the browser's zone (or prints none) is caught.
const TIME_ZONE = 'America/New_York'
const RUN_TIMEOUT_MS = 60_000

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let base: string
let longId = ''
let bareId = ''
let bareUrl = ''

async function shot (name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}

/** Chromium logs every refused request itself; those the test provoked on purpose are not problems. */
function unexpectedProblems (): string[] {
  return browser.problems.filter((problem) => !/status of 40[04]/.test(problem))
}

async function signedIn (): Promise<void> {
  await page.evaluate(`window.sessionStorage.setItem('loadfleet.adminAuth', ${JSON.stringify(stack.server.adminAuth)})`)
}

/** How far the page, and every table in it, is wider than its box (0 = fits). */
function overflow (target: Page): Promise<{ page: number, tables: number[] }> {
  return target.evaluate<{ page: number, tables: number[] }>(`({
    page: document.documentElement.scrollWidth - window.innerWidth,
    tables: [...document.querySelectorAll('.table-wrap')].map((wrap) => wrap.scrollWidth - wrap.clientWidth),
  })`)
}

/** Where each row of the sites table is, to prove that something did not move it. */
function rowBoxes (target: Page): Promise<string[]> {
  return target.evaluate<string[]>(`[...document.querySelectorAll('.sites-table tbody tr')]
    .map((tr) => JSON.stringify(tr.getBoundingClientRect()))`)
}

/** The same text the dashboard should print for a time: 24 h, the browser's zone, named. */
function expectedTime (iso: string): string {
  return new Intl.DateTimeFormat('en-US', {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    timeZoneName: 'short', timeZone: TIME_ZONE,
  }).format(new Date(iso))
}

function rawGet (url: string, acceptEncoding: string): Promise<{ status: number, encoding?: string, bytes: number }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => { bytes += chunk.length })
      res.on('end', () => {
        const encoding = res.headers['content-encoding']
        resolve({ status: res.statusCode ?? 0, ...(encoding === undefined ? {} : { encoding }), bytes })
      })
    }).on('error', reject)
  })
}

async function waitForRuns (targetId: string): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS
  while ((await admin.listRuns({ targetId, status: 'passed', limit: 1 })).data.length === 0) {
    if (Date.now() > deadline) throw new Error(`no passed run of ${targetId}; agent output:\n${stack.agentOutput()}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

beforeAll(async () => {
  stack = await startStack()
  base = stack.server.url
  admin = new ApiClient({ baseUrl: base, adminAuth: stack.server.adminAuth })
  longId = (await admin.createTarget({ url: `${stack.targetUrl}/checkout`, label: LONG_LABEL, durationS: 1,
    runIntervalMs: 1000 })).id
  bareUrl = `${stack.targetUrl}${LONG_PATH}`
  bareId = (await admin.createTarget({ url: bareUrl, durationS: 1, runIntervalMs: 1000 })).id
  browser = await launchBrowser({ width: 1440, height: 900 }, { timezoneId: TIME_ZONE })
  page = browser.page
  await page.goto(`${base}/agents/k6`)
  await signedIn()
  await waitForRuns(longId)
  await waitForRuns(bareId)
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('dashboard polish in a real browser against a real control plane and agent', () => {
  it('keeps the runs table and its filter within a 1440 px screen when labels are long', async () => {
    expect(LONG_LABEL.length).toBeLessThanOrEqual(200)
    await page.goto(`${base}/agents/k6/runs`)
    const longLink = page.locator('.runs-table').getByRole('link', { name: LONG_LABEL }).first()
    const bareLink = page.locator('.runs-table').getByRole('link', { name: bareUrl }).first()
    await longLink.waitFor({ timeout: RUN_TIMEOUT_MS })
    await bareLink.waitFor({ timeout: RUN_TIMEOUT_MS })
    // Cut to one line, with the whole name on hover.
    expect(await longLink.getAttribute('title')).toBe(LONG_LABEL)
    expect(await bareLink.getAttribute('title')).toBe(bareUrl)
    expect((await longLink.boundingBox())?.height).toBeLessThan(30)
    expect(await overflow(page)).toEqual({ page: 0, tables: [0] })
    for (const name of ['p50', 'p95', 'p99', 'Req/s', 'Fail rate', 'Iterations']) {
      const box = await page.getByRole('columnheader', { name, exact: true }).boundingBox()
      expect(box, name).not.toBeNull()
      expect((box?.x ?? Infinity) + (box?.width ?? 0), name).toBeLessThanOrEqual(1440)
    }
    const filter = page.getByLabel('Site', { exact: true })
    await filter.selectOption({ label: LONG_LABEL })
    await expect.poll(() => new URL(page.url()).searchParams.get('site')).toBe(longId)
    expect((await filter.boundingBox())?.width).toBeLessThanOrEqual(300)
    expect(await filter.getAttribute('title')).toBe(LONG_LABEL)
    await shot('polish-runs-1440')
  })

  it('prints every time in 24 h with the browser\'s time zone, in tables and charts', async () => {
    const [run] = (await admin.listRuns({ targetId: longId, status: 'passed', limit: 1 })).data
    if (run === undefined) throw new Error('no run')
    await page.goto(`${base}/agents/k6/runs?site=${longId}`)
    const cell = page.locator(`.runs-table a[href="/agents/k6/runs/${run.id}"]`)
    await cell.waitFor()
    expect(await cell.textContent()).toBe(expectedTime(run.startedAt))
    expect(await cell.textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}:\d{2} E[SD]T$/)

    await cell.click()
    await page.getByRole('heading', { name: 'Metrics' }).waitFor()
    expect(await page.locator('.page-header p').first().textContent()).toContain(`started ${expectedTime(run.startedAt)}`)

    await page.goto(`${base}/agents/k6/sites/${longId}`)
    const caption = page.locator('.chart-title').first()
    await caption.waitFor()
    expect(await caption.textContent()).toMatch(/times in E[SD]T$/)
    const plot = page.locator('.chart-canvas .u-over').first()
    await expect.poll(async () => (await admin.targetSeries(longId)).data.length).toBeGreaterThan(0)
    const box = await plot.boundingBox()
    if (box === null) throw new Error('the chart has no plot area')
    // The newest run sits near the right edge: hovering there fills the legend with its time.
    const legendTime = page.locator('.u-legend .u-series').first().locator('.u-value').first()
    await expect.poll(async () => {
      await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2)
      return legendTime.textContent()
    }, { timeout: 10_000 }).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}:\d{2} E[SD]T$/)
    await shot('polish-site-chart-times')
  })

  it('asks before deleting in a dialog that leaves the table still and that Escape cancels', async () => {
    await page.goto(`${base}/agents/k6/sites`)
    const rows = page.locator('.sites-table tbody tr')
    await rows.nth(1).waitFor()
    const before = await rowBoxes(page)

    const deleteButton = page.getByRole('button', { name: `Delete ${bareUrl}` })
    await deleteButton.click()
    const dialog = page.getByRole('dialog', { name: `Confirm deleting ${bareUrl}` })
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain(bareUrl)
    expect(await rowBoxes(page)).toEqual(before)
    await shot('polish-delete-dialog')

    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    // Focus is back on the button that opened the dialog.
    expect(await page.evaluate<string | null>('document.activeElement.getAttribute("aria-label")')).toBe(`Delete ${bareUrl}`)
    expect((await admin.listTargets()).data.map((target) => target.id)).toContain(bareId)

    await deleteButton.click()
    await dialog.getByRole('button', { name: 'Delete site' }).click()
    await page.getByRole('link', { name: bareUrl }).waitFor({ state: 'detached' })
    expect((await admin.listTargets()).data.map((target) => target.id)).toEqual([longId])
  })

  it('switches a site off at once and offers to undo it', async () => {
    const toggle = page.getByRole('switch', { name: `Enabled: ${LONG_LABEL}` })
    expect(await toggle.getAttribute('aria-checked')).toBe('true')
    await toggle.focus()
    await page.keyboard.press('Space')
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false')
    expect((await admin.getTarget(longId)).enabled).toBe(false)
    const toast = page.locator('.toast')
    await toast.waitFor()
    expect(await toast.textContent()).toContain(`${LONG_LABEL} disabled.`)
    await shot('polish-undo-toast')

    await toast.getByRole('button', { name: 'Undo' }).click()
    await expect.poll(async () => (await admin.getTarget(longId)).enabled).toBe(true)
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true')
    // The undo is itself announced, and cannot be undone again.
    await expect.poll(() => toast.textContent()).toContain(`${LONG_LABEL} enabled.`)
    expect(await toast.getByRole('button', { name: 'Undo' }).count()).toBe(0)
  })

  it('names the field and the rule when the API refuses a form', async () => {
    await page.getByRole('button', { name: 'Add site' }).click()
    const form = page.getByRole('form', { name: 'Add site' })
    await form.getByLabel('URL').fill(`${stack.targetUrl}/form`)
    await form.getByLabel('VUs').fill('0')
    await form.getByLabel('Duration (s)').fill('')
    await form.getByLabel('Run interval (ms)').fill('1.5')
    await form.getByRole('button', { name: 'Add site' }).click()
    const vusError = form.locator('.field-vus .field-error')
    await vusError.waitFor()
    expect(await vusError.textContent()).toBe('VUs must be at least 1')
    expect(await form.locator('.field-durationS .field-error').textContent()).toBe('Enter a number for Duration (s)')
    expect(await form.locator('.field-runIntervalMs .field-error').textContent())
      .toBe('Run interval (ms) must be a whole number')
    expect(await form.textContent()).not.toMatch(/Too small|Invalid input|expected/)
    await shot('polish-form-errors')
    await form.getByRole('button', { name: 'Cancel' }).click()
    expect((await admin.listTargets()).data).toHaveLength(1)
  })

  it('serves small fleets and large ones with the same slider', async () => {
    await page.goto(`${base}/agents/k6`)
    const slider = page.getByRole('slider', { name: 'Desired agents' })
    const number = page.getByLabel('Desired agents (number)')
    await slider.focus()
    await page.keyboard.press('Home')
    expect(await slider.getAttribute('aria-valuetext')).toBe('0 agents')
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight')
    expect(await slider.getAttribute('aria-valuetext')).toBe('2 agents')
    expect(await number.inputValue()).toBe('2')
    await page.keyboard.press('End')
    expect(await slider.getAttribute('aria-valuetext')).toBe('1,000 agents')
    // 1–10 take a real share of the track: at least a sixth of it, where a linear slider gave them 1 %.
    const max = Number(await slider.getAttribute('max'))
    expect(10 / max).toBeGreaterThan(1 / 6)
    await number.fill('7')
    expect(await slider.inputValue()).toBe('7')
    await number.fill('250')
    expect(await slider.getAttribute('aria-valuetext')).toBe('250 agents')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('Desired count set to 250.').waitFor()
    expect((await admin.getConfig()).k6DesiredAgentCount).toBe(250)
    await shot('polish-fleet-1440')
  })

  it('fits fleet, runs, sites and run detail tables on a 360 px screen', async () => {
    await page.setViewportSize({ width: 360, height: 780 })
    const runId = (await admin.listRuns({ targetId: longId, status: 'passed', limit: 1 })).data[0]?.id ?? ''
    const pages = {
      fleet: '/agents/k6', sites: '/agents/k6/sites', runs: '/agents/k6/runs',
      'site-detail': `/agents/k6/sites/${longId}`, 'run-detail': `/agents/k6/runs/${runId}`,
    }
    for (const [name, path] of Object.entries(pages)) {
      await page.goto(base + path)
      await page.locator('main h1').first().waitFor()
      await page.locator('.loading').first().waitFor({ state: 'detached' })
      await page.locator('.table-wrap').first().waitFor()
      const { page: pageOverflow, tables } = await overflow(page)
      expect(pageOverflow, `${name} overflows the screen`).toBeLessThanOrEqual(0)
      expect(tables.filter((excess) => excess > 0), `${name}: tables wider than their box`).toEqual([])
      await shot(`polish-${name}-360`)
    }
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('shows a missing run or site as a page with the ways back, not only a red banner', async () => {
    await page.goto(`${base}/agents/k6/runs/no-such-run-0000`)
    await page.getByRole('heading', { name: 'Run not found' }).waitFor()
    expect(await page.locator('.notice-error').count()).toBe(0)
    await shot('polish-run-not-found')
    await page.getByRole('link', { name: 'All runs' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/agents/k6/runs')

    await page.goto(`${base}/agents/k6/sites/no-such-site`)
    await page.getByRole('heading', { name: 'Site not found' }).waitFor()
    await page.getByRole('link', { name: 'All sites' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/agents/k6/sites')
    await page.getByRole('heading', { name: 'Sites' }).waitFor()
  })

  it('sends the bundle compressed and publishes no source map', async () => {
    const html = await (await fetch(`${base}/agents/k6`)).text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const plain = await rawGet(`${base}${script}`, 'identity')
    const br = await rawGet(`${base}${script}`, 'gzip, deflate, br')
    const gzip = await rawGet(`${base}${script}`, 'gzip')
    expect(plain).toMatchObject({ status: 200 })
    expect(plain.encoding).toBeUndefined()
    expect(br).toMatchObject({ status: 200, encoding: 'br' })
    expect(gzip).toMatchObject({ status: 200, encoding: 'gzip' })
    expect(br.bytes).toBeLessThan(plain.bytes * 0.4)
    expect((await rawGet(`${base}${script}.map`, 'gzip, br')).status).toBe(404)
    expect(readdirSync(WEB_ASSETS).filter((file) => file.endsWith('.map'))).toEqual([])
    expect(unexpectedProblems()).toEqual([])
  })

  it('shows one banner, not one per request, while the control plane is down', async () => {
    await page.goto(`${base}/agents/k6/sites/${longId}`)
    await page.locator('.chart-canvas canvas').first().waitFor()
    await stack.server.close()
    const banners = page.locator('.notice-error')
    await banners.first().waitFor({ timeout: 15_000 })
    // Several polls later (targets, series and runs each failed more than once), still one banner.
    await page.waitForTimeout(6_000)
    expect(await banners.count()).toBe(1)
    expect(await banners.first().textContent()).toMatch(/Cannot reach the control plane/)
    await shot('polish-site-down')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs', exact: true }).click()
    await banners.first().waitFor({ timeout: 15_000 })
    await page.waitForTimeout(3_000)
    expect(await banners.count()).toBe(1)
  })
})
