import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const RUN_TIMEOUT_MS = 60_000

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let base: string
let fastId = ''
let slowId = ''

async function waitForRuns (targetId: string, count: number): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS
  while ((await admin.listRuns({ targetId, status: 'passed', limit: count })).data.length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} runs of ${targetId}:\n${stack.agentOutput()}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The site names down the Sites table, top to bottom. */
function siteOrder (target: Page): Promise<string[]> {
  return target.locator('.sites-table tbody .site-name').allTextContents()
}

beforeAll(async () => {
  stack = await startStack()
  base = stack.server.url
  admin = new ApiClient({ baseUrl: base, adminAuth: stack.server.adminAuth })
  // Two real sites on the local target: "Alpha" with 1 VU, "Beta" with 3 VUs (the heavier load).
  fastId = (await admin.createTarget({
    url: `${stack.targetUrl}/a`, label: 'Alpha', durationS: 1, runIntervalMs: 1000,
    thresholds: { http_req_duration: ['p(95)<400'] },
  })).id
  slowId = (await admin.createTarget({
    url: `${stack.targetUrl}/b`, label: 'Beta', vus: 3, durationS: 1, runIntervalMs: 1000,
  })).id
  browser = await launchBrowser({ width: 1440, height: 900 })
  page = browser.page
  await waitForRuns(fastId, 3)
  await waitForRuns(slowId, 3)
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('site charts and the sites table in a real browser against a real control plane and agent', () => {
  it('sorts the sites table by a clicked header, both ways, and says so with aria-sort', async () => {
    await page.goto(`${base}/agents/k6/sites`)
    await page.locator('.sites-table tbody tr').nth(1).waitFor()
    const load = page.getByRole('columnheader', { name: /^Load/ })
    expect(await load.getAttribute('aria-sort')).toBe('none')
    await load.getByRole('button').click()
    expect(await load.getAttribute('aria-sort')).toBe('ascending')
    expect(await siteOrder(page)).toEqual(['Alpha', 'Beta'])
    await load.getByRole('button').click()
    expect(await load.getAttribute('aria-sort')).toBe('descending')
    expect(await siteOrder(page)).toEqual(['Beta', 'Alpha'])
    const name = page.getByRole('columnheader', { name: /^Site/ })
    await name.getByRole('button').click()
    expect(await name.getAttribute('aria-sort')).toBe('ascending')
    expect(await load.getAttribute('aria-sort')).toBe('none')
    expect(await siteOrder(page)).toEqual(['Alpha', 'Beta'])
    // Every sparkline is drawn on the one scale the header names.
    const scale = await page.getByTestId('trend-scale').textContent()
    expect(scale).toMatch(/^\(0–[\d.]+ m?s, all sites\)$/)
    const sparklines = page.locator('.sites-table svg.sparkline')
    const labels = await Promise.all([0, 1].map((i) => sparklines.nth(i).getAttribute('aria-label')))
    expect(labels).toHaveLength(2)
    const scaleText = scale?.replace(/^\(0–/, '').replace(/, all sites\)$/, '')
    for (const label of labels) expect(label ?? '').toContain(`to ${scaleText}`)
    await page.screenshot({ path: `${SCREENSHOTS}site-charts-sorted.png`, fullPage: true })
  })

  it('draws 24 hours as 15-minute buckets of median and p95, and the last hour as every run', async () => {
    await page.goto(`${base}/agents/k6/sites/${fastId}?range=24h`)
    const latency = page.getByRole('img', { name: /^Latency \(p50 \/ p95 \/ p99\) chart, \d+ buckets$/ })
    await latency.waitFor()
    await expect.poll(() => page.getByTestId('chart-note').textContent())
      .toMatch(/Each point is the median of the runs in 15 minutes; dashed lines, their p95/)
    const buckets = await admin.targetSeriesBuckets(fastId, {
      from: new Date(Date.now() - 86_400_000).toISOString(), bucket: '15m',
    })
    expect(buckets.bucketMs).toBe(900_000)
    expect(buckets.data.length).toBeGreaterThanOrEqual(1)
    expect(buckets.data.reduce((n, b) => n + b.runs, 0)).toBeGreaterThanOrEqual(3)
    // The legend names the dashed p95-of-runs line beside the medians.
    await expect.poll(() => page.locator('.u-legend').first().textContent()).toContain('p95, slowest 5% of runs')
    await page.screenshot({ path: `${SCREENSHOTS}site-charts-24h.png`, fullPage: true })
    await page.getByRole('button', { name: 'Last hour' }).click()
    await page.getByRole('img', { name: /^Latency \(p50 \/ p95 \/ p99\) chart, \d+ runs$/ }).waitFor()
    expect(await page.getByTestId('chart-note').textContent()).toMatch(/Each point is a run/)
    expect(browser.problems).toEqual([])
  })
})
