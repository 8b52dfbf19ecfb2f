import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const HOSTILE_LABEL = '<img src=x onerror=alert(1)>'
// Runs take ~1 s each on a shared 2-core machine; generous bounds, never exact timings.
const RUN_TIMEOUT_MS = 60_000
const HOUR_MS = 3_600_000

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let base: string
let siteId = ''
let hostileId = ''

async function shot (name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}

function nav (name: 'Fleet' | 'Sites' | 'Runs'): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })
}

/** Set once; a full page load would drop it, so its survival proves the page updated in place. */
async function markPage (): Promise<void> {
  await page.evaluate(() => { (globalThis as { lfMark?: number }).lfMark = 1 })
}

async function stillSamePage (): Promise<boolean> {
  return page.evaluate(() => (globalThis as { lfMark?: number }).lfMark === 1)
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  stack = await startStack()
  base = stack.server.url
  admin = new ApiClient({ baseUrl: base, adminAuth: stack.server.adminAuth })
  browser = await launchBrowser()
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('dashboard in a real browser against a real control plane and agent', () => {
  it('shows the running agent on the fleet page', async () => {
    await page.goto(`${base}/`)
    await expect.poll(() => page.url()).toBe(`${base}/agents/k6`)
    const row = page.getByRole('row', { name: new RegExp(stack.agentName) })
    await row.waitFor({ timeout: 30_000 }).catch((err: unknown) => {
      throw new Error(`agent never showed up; its output:\n${stack.agentOutput()}`, { cause: err })
    })
    await expect.poll(() => row.textContent()).toMatch(/online|busy/i)
    await shot('fleet-empty-sites')
  })

  it('adds a site through the form, showing API errors next to the field', async () => {
    await nav('Sites').click()
    await page.getByText('No sites yet').waitFor()
    await markPage()
    await page.getByRole('button', { name: 'Add site' }).click()
    const form = page.getByRole('form', { name: 'Add site' })
    expect(await form.getByLabel('VUs').inputValue()).toBe('1')
    expect(await form.getByLabel('Duration (s)').inputValue()).toBe('30')
    expect(await form.getByLabel('Run interval (ms)').inputValue()).toBe('60000')
    expect(await form.getByLabel('Enabled', { exact: true }).isChecked()).toBe(true)

    await form.getByLabel('URL').fill('ftp://127.0.0.1/not-http')
    await form.getByLabel('Label').fill('Checkout API')
    await form.getByLabel('Duration (s)').fill('1')
    await form.getByLabel('Run interval (ms)').fill('1000')
    await form.getByRole('button', { name: 'Add site' }).click()

    // First admin action: the dashboard asks for the credentials once.
    const dialog = page.getByRole('dialog', { name: 'Admin sign-in' })
    await dialog.waitFor()
    await shot('sign-in-dialog')
    const [user, ...password] = stack.server.adminAuth.split(':')
    await dialog.getByLabel('User').fill(user ?? '')
    await dialog.getByLabel('Password').fill(password.join(':'))
    await dialog.getByRole('button', { name: 'Sign in' }).click()

    const urlError = form.locator('.field-url .field-error')
    await urlError.waitFor()
    expect(await urlError.textContent()).toMatch(/http/)
    expect(await form.getByLabel('URL').getAttribute('aria-invalid')).toBe('true')
    await shot('sites-form-error')
    // Chromium logs the refused request itself; that one is expected, anything else is a problem.
    expect(browser.problems.every((problem) => problem.includes('400 (Bad Request)'))).toBe(true)
    browser.problems.splice(0)

    await form.getByLabel('URL').fill(`${stack.targetUrl}/checkout`)
    await form.getByRole('button', { name: 'Add site' }).click()
    await page.getByRole('link', { name: 'Checkout API' }).waitFor()
    siteId = (await admin.listTargets()).data.find((t) => t.label === 'Checkout API')?.id ?? ''
    expect(siteId).not.toBe('')
    expect(await stillSamePage()).toBe(true)
  })

  it('renders a hostile label as text', async () => {
    await page.getByRole('button', { name: 'Add site' }).click()
    const form = page.getByRole('form', { name: 'Add site' })
    await form.getByLabel('URL').fill(`${stack.targetUrl}/hostile`)
    await form.getByLabel('Label').fill(HOSTILE_LABEL)
    await form.getByLabel('Duration (s)').fill('1')
    await form.getByRole('button', { name: 'Add site' }).click()
    const label = page.getByRole('link', { name: HOSTILE_LABEL, exact: true })
    await label.waitFor()
    expect(await label.textContent()).toBe(HOSTILE_LABEL)
    expect(await page.locator('img').count()).toBe(0)
    hostileId = (await admin.listTargets()).data.find((t) => t.label === HOSTILE_LABEL)?.id ?? ''
    expect(browser.dialogs).toEqual([])
  })

  it('shows the latest p95 of a site without reloading', async () => {
    await markPage()
    const p95 = page.getByRole('row', { name: /Checkout API/ }).getByTestId('site-p95')
    await expect.poll(() => p95.textContent(), { timeout: RUN_TIMEOUT_MS }).toMatch(/^\d[\d.,]* m?s$/)
    expect(await stillSamePage()).toBe(true)
    await shot('sites')
  })

  it('lists new runs with their p95 as they arrive, without reloading', async () => {
    await nav('Runs').click()
    await markPage()
    const rows = page.locator('.runs-table tbody tr')
    await rows.first().waitFor({ timeout: RUN_TIMEOUT_MS })
    const seen = new Set((await listedRuns(page)).map((row) => row.href))
    // The site runs every second: a run that was not listed at first must show up, finished, with its p95.
    await expect.poll(async () => {
      const listed = await listedRuns(page)
      return listed.some((row) => !seen.has(row.href) && /\d/.test(row.p95))
    }, { timeout: RUN_TIMEOUT_MS }).toBe(true)
    expect(await stillSamePage()).toBe(true)
    await shot('runs')
  })

  it('filters runs by site, reflected in the URL', async () => {
    const siteFilter = page.getByLabel('Site', { exact: true })
    const siteCells = page.locator('.runs-table tbody tr td:nth-child(2)')
    const onlySite = async (label: string): Promise<boolean> => {
      const texts = await siteCells.allTextContents()
      return texts.length > 0 && texts.every((text) => text === label)
    }
    // The hostile site runs once a minute, so its run may be far down the unfiltered list: filtering finds it.
    await siteFilter.selectOption({ label: HOSTILE_LABEL })
    await expect.poll(() => onlySite(HOSTILE_LABEL), { timeout: RUN_TIMEOUT_MS }).toBe(true)
    await siteFilter.selectOption({ label: 'Checkout API' })
    await expect.poll(() => new URL(page.url()).searchParams.get('site')).toBe(siteId)
    await expect.poll(() => onlySite('Checkout API'), { timeout: 15_000 }).toBe(true)
    expect(await page.locator('.runs-table').getByText(HOSTILE_LABEL).count()).toBe(0)
    await page.reload()
    await siteCells.first().waitFor()
    expect(await page.getByLabel('Site', { exact: true }).inputValue()).toBe(siteId)
    await shot('runs-filtered')
  })

  it('draws the site latency chart and opens a run', async () => {
    await page.locator('.runs-table tbody tr').first().getByRole('link', { name: 'Checkout API' }).click()
    await expect.poll(() => page.url()).toContain(`/agents/k6/sites/${siteId}`)
    const canvas = page.locator('.chart-canvas canvas').first()
    await canvas.waitFor()
    await expect.poll(() => colouredPixels(page), { timeout: 15_000 }).toBeGreaterThan(20)
    await shot('site-detail')

    // Each run is a point: a click on the newest one opens that run.
    const series = (await admin.targetSeries(siteId)).data
    const newest = Math.max(...series.map((point) => Date.parse(point.t)))
    const box = await page.locator('.chart-canvas .u-over').first().boundingBox()
    if (box === null) throw new Error('the chart has no plot area')
    const now = Date.now()
    const x = box.x + ((newest - (now - HOUR_MS)) / HOUR_MS) * box.width
    await page.mouse.click(Math.min(x, box.x + box.width - 1), box.y + box.height / 2)
    await expect.poll(() => page.url()).toMatch(/\/agents\/k6\/runs\/[\w-]+$/)
    const openedId = decodeURIComponent(page.url().split('/').at(-1) ?? '')
    expect((await admin.getRun(openedId)).targetId).toBe(siteId)
    await page.goBack()

    const recent = page.getByRole('region', { name: 'Recent runs' })
    await recent.getByRole('row').filter({ hasText: 'Passed' }).first().getByRole('link').first().click()
    await page.getByRole('heading', { name: 'Metrics' }).waitFor()
    await page.getByRole('rowheader', { name: 'http_req_duration' }).first().waitFor()
    await page.getByRole('heading', { name: 'Status codes' }).waitFor()
    await expect.poll(() => page.getByRole('rowheader', { name: '200', exact: true }).count()).toBe(1)
    await shot('run-detail')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download k6 summary' }).click(),
    ])
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as { metrics: Record<string, Record<string, unknown>> }
    // k6's legacy export: flat trend stats, no `values` key.
    expect(exported.metrics.http_req_duration?.['p(95)']).toBeGreaterThan(0)
    expect(exported.metrics.http_req_duration?.values).toBeUndefined()
  })

  it('disables a site, and deletes one after confirmation', async () => {
    await nav('Sites').click()
    const toggle = page.getByRole('switch', { name: `Enabled: ${HOSTILE_LABEL}` })
    expect(await toggle.getAttribute('aria-checked')).toBe('true')
    await toggle.click()
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false')
    expect((await admin.getTarget(hostileId)).enabled).toBe(false)

    await page.getByRole('button', { name: `Delete ${HOSTILE_LABEL}` }).click()
    const confirm = page.getByRole('dialog', { name: `Confirm deleting ${HOSTILE_LABEL}` })
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('link', { name: HOSTILE_LABEL }).waitFor({ state: 'detached' })
    expect((await admin.listTargets()).data.map((target) => target.label)).toEqual(['Checkout API'])
  })

  it('scales the fleet with the slider and applies it through the API', async () => {
    await nav('Fleet').click()
    const slider = page.getByRole('slider', { name: 'Desired agents' })
    await slider.focus()
    for (let i = 0; i < 3; i++) await slider.press('ArrowRight')
    expect(await slider.inputValue()).toBe('3')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('Desired count set to 3.').waitFor()
    expect((await admin.getConfig()).k6DesiredAgentCount).toBe(3)
    await shot('fleet')
  })

  it('fits a 360 px wide screen on every page without horizontal overflow', async () => {
    await page.setViewportSize({ width: 360, height: 780 })
    const runId = (await admin.listRuns({ targetId: siteId, status: 'passed', limit: 1 })).data[0]?.id ?? ''
    const pages = {
      fleet: '/agents/k6', sites: '/agents/k6/sites', runs: '/agents/k6/runs',
      'site-detail': `/agents/k6/sites/${siteId}`, 'run-detail': `/agents/k6/runs/${runId}`,
    }
    for (const [name, path] of Object.entries(pages)) {
      await page.goto(base + path)
      await page.locator('main h1').first().waitFor()
      await page.locator('.loading').first().waitFor({ state: 'detached' })
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
      expect(overflow, `${name} overflows by ${overflow}px`).toBeLessThanOrEqual(0)
      await shot(`${name}-360`)
    }
    expect(browser.problems).toEqual([])
  })
})

/** The runs table as the browser shows it: each row's run link and p95 text. */
function listedRuns (target: Page): Promise<Array<{ href: string, p95: string }>> {
  return target.evaluate<Array<{ href: string, p95: string }>>(`[...document.querySelectorAll('.runs-table tbody tr')]
    .map((tr) => ({
      href: tr.querySelector('th a')?.getAttribute('href') ?? '',
      p95: tr.querySelector('[data-testid="run-p95"]')?.textContent ?? '',
    }))`)
}

/** Pixels of the latency chart in a saturated colour: the series, not the grey grid and axes. */
function colouredPixels (target: Page): Promise<number> {
  // A string, because this runs in the page (DOM types are not part of the test's Node typings).
  return target.evaluate<number>(`(() => {
    const canvas = document.querySelector('.chart-canvas canvas')
    const context = canvas && canvas.getContext('2d')
    if (!context) return 0
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data
    let count = 0
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i], g = data[i + 1], b = data[i + 2], a = data[i + 3]
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count++
    }
    return count
  })()`)
}
