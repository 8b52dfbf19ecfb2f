import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const RUN_TIMEOUT_MS = 30_000

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let base: string
let healthyId = ''
let downId = ''

/** A 127.0.0.1 port nothing listens on: bound by the OS, then released. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function waitForRuns (targetId: string, status: 'passed' | 'failed', count: number): Promise<string[]> {
  const deadline = Date.now() + RUN_TIMEOUT_MS
  for (;;) {
    const runs = (await admin.listRuns({ targetId, status, limit: count })).data
    if (runs.length >= count) return runs.map((r) => r.id)
    if (Date.now() > deadline) throw new Error(`fewer than ${count} ${status} runs of ${targetId}:\n${stack.agentOutput()}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

beforeAll(async () => {
  stack = await startStack()
  base = stack.server.url
  admin = new ApiClient({ baseUrl: base, adminAuth: stack.server.adminAuth })
  healthyId = (await admin.createTarget({
    url: `${stack.targetUrl}/ok`, label: 'Healthy', durationS: 1, runIntervalMs: 1000,
    thresholds: { http_req_duration: ['p(95)<5000'] },
  })).id
  downId = (await admin.createTarget({
    url: `http://127.0.0.1:${await closedPort()}/`, label: 'Down', durationS: 1, runIntervalMs: 60_000,
  })).id
  browser = await launchBrowser({ width: 1440, height: 900 })
  page = browser.page
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('run verdicts in a real browser against a real control plane and agent', () => {
  it('shows a failed run with its reason and the crossed http_req_failed threshold with its observed value', async () => {
    const [runId] = await waitForRuns(downId, 'failed', 1)
    const run = await admin.getRun(runId ?? '')
    expect(run.failureReason).not.toBeNull()
    await page.goto(`${base}/agents/k6/runs/${runId ?? ''}`)
    const reason = page.getByTestId('failure-reason')
    await reason.waitFor()
    expect(await reason.textContent()).toContain(run.failureReason ?? '')
    const row = page.getByRole('table', { name: 'Thresholds judged' }).locator('tr[data-metric="http_req_failed"]')
    await row.waitFor()
    const cells = await row.locator('td').allTextContents()
    expect(cells[0]).toBe('rate<0.05')
    expect(cells[1]).toBe('100.0%')
    expect(cells[2]).toBe('fail')
    await page.screenshot({ path: `${SCREENSHOTS}verdict-failed-run.png`, fullPage: true })
  }, 40_000)

  it('shows the last failure reason on the Sites page, full text on hover', async () => {
    const targets = await admin.dashboardTargets()
    const down = targets.data.find((t) => t.id === downId)
    const reasonText = down?.stats.lastFailureReason ?? ''
    expect(reasonText).not.toBe('')
    await page.goto(`${base}/agents/k6/sites`)
    const row = page.locator('.sites-table tbody tr', { hasText: 'Down' })
    const reason = row.getByTestId('site-reason')
    await reason.waitFor()
    expect(await reason.textContent()).toBe(reasonText)
    expect(await reason.getAttribute('title')).toBe(reasonText)
    expect(await page.locator('.sites-table tbody tr', { hasText: 'Healthy' }).getByTestId('site-reason').count()).toBe(0)
  })

  it('links a healthy run to the previous and next runs of its site', async () => {
    const ids = await waitForRuns(healthyId, 'passed', 3)
    const detail = await admin.getRun(ids[1] ?? '')
    expect(detail.previousRunId).not.toBeNull()
    expect(detail.nextRunId).not.toBeNull()
    await page.goto(`${base}/agents/k6/runs/${detail.id}`)
    const previous = page.getByRole('link', { name: '← Previous run' })
    await previous.waitFor()
    expect(await previous.getAttribute('href')).toBe(`/agents/k6/runs/${detail.previousRunId ?? ''}`)
    const next = page.getByRole('link', { name: 'Next run →' })
    expect(await next.getAttribute('href')).toBe(`/agents/k6/runs/${detail.nextRunId ?? ''}`)
    const duration = page.getByRole('table', { name: 'Thresholds judged' }).locator('tr[data-metric="http_req_duration"] td')
    expect(await duration.nth(2).textContent()).toBe('pass')
    expect(await page.getByTestId('failure-reason').count()).toBe(0)
    await next.click()
    await page.waitForURL(`**/runs/${detail.nextRunId ?? ''}`)
    await page.getByRole('link', { name: '← Previous run' }).waitFor()
    expect(browser.problems).toEqual([])
  }, 40_000)
})
