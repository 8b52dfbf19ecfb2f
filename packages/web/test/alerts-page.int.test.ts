import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { Receiver } from '../../server/test/helpers/receiver.js'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
// Runs take ~1 s each on a shared 2-core machine; generous bounds, never exact timings.
const TIMEOUT_MS = 60_000

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let base: string
const receiver = new Receiver()

function section (name: string): Locator {
  return page.getByRole('region', { name: new RegExp(`^${name}`) })
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await receiver.start()
  stack = await startStack()
  base = stack.server.url
  admin = new ApiClient({ baseUrl: base, adminAuth: stack.server.adminAuth })
  // Any finished run holds this rule, so the site's alert fires after its first run.
  const site = await admin.createTarget({ url: stack.targetUrl, label: 'Checkout', durationS: 1, runIntervalMs: 1000 })
  await admin.createAlertRule({ name: 'CheckoutMeasured', condition: 'p95 > 0ms', targetId: site.id, severity: 'critical' })
  browser = await launchBrowser()
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  await receiver.stop()
})

describe('the Alerts page in a real browser', () => {
  it('lists the firing alert from the nav, and asks an anonymous visitor to sign in for administration', async () => {
    await page.goto(`${base}/agents/k6`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts', exact: true }).click()
    await expect.poll(() => page.url()).toBe(`${base}/agents/k6/alerts`)
    const row = section('Firing').getByRole('row', { name: /CheckoutMeasured/ })
    await row.waitFor({ timeout: TIMEOUT_MS })
    expect(await row.textContent()).toMatch(/Checkout.*critical/)
    await expect.poll(() => section('Rules, channels and silences').getByRole('button', { name: 'Admin sign-in' }).count()).toBe(1)
  })

  it('signs in, shows the rules and refuses a bad rule with the field named, storing nothing', async () => {
    await page.evaluate(`window.sessionStorage.setItem('loadfleet.adminAuth', ${JSON.stringify(stack.server.adminAuth)})`)
    await page.reload()
    const rules = section('Rules')
    await rules.getByRole('row', { name: /SiteFailing/ }).waitFor({ timeout: TIMEOUT_MS })
    const before = (await admin.listAlertRules()).data.length
    const form = page.getByRole('form', { name: 'Add rule' })
    await form.getByLabel('Name').fill('TooSlow')
    await form.getByLabel('Condition').fill('p95 is high')
    await form.getByRole('button', { name: 'Add rule' }).click()
    await form.getByText(/Condition.*"p95 > 500ms"/).waitFor()
    expect((await admin.listAlertRules()).data).toHaveLength(before)

    await form.getByLabel('Condition').fill('p95 > 800ms')
    await form.getByRole('button', { name: 'Add rule' }).click()
    await rules.getByRole('row', { name: /TooSlow/ }).waitFor()
    expect((await admin.listAlertRules()).data.map((r) => r.name)).toContain('TooSlow')
  })

  it('adds a channel (refusing a non-http URL) and sends it a test notification', async () => {
    const form = page.getByRole('form', { name: 'Add channel' })
    await form.getByLabel('Name').fill('ops')
    await form.getByLabel('URL').fill('ftp://127.0.0.1/hook')
    await form.getByRole('button', { name: 'Add channel' }).click()
    await form.getByText(/URL must be an absolute http/).waitFor()
    expect((await admin.listAlertChannels()).data).toEqual([])

    await form.getByLabel('URL').fill(`${receiver.url}/hook`)
    await form.getByLabel('Signing secret').fill('browser-test-secret')
    await form.getByRole('button', { name: 'Add channel' }).click()
    const channels = section('Channels')
    const row = channels.getByRole('row', { name: /ops/ })
    await row.waitFor()
    expect(await row.textContent()).not.toContain('browser-test-secret')
    await page.getByRole('button', { name: 'Send test notification to ops' }).click()
    await row.getByText('Delivered (HTTP 200)').waitFor({ timeout: TIMEOUT_MS })
    type Body = { alerts: Array<{ labels: Record<string, string> }> }
    const labels = receiver.received.map((r) => (r.body as Body).alerts[0]?.labels.alertname)
    expect(labels).toContain('LoadfleetTestNotification')
  })

  it('silences the firing alert from its row', async () => {
    const row = section('Firing').getByRole('row', { name: /CheckoutMeasured/ })
    await row.getByRole('button', { name: /Silence CheckoutMeasured/ }).click()
    await row.getByText('silenced').waitFor({ timeout: TIMEOUT_MS })
    await section('Silences').getByText(/alertname=CheckoutMeasured/).waitFor()
    expect((await admin.listSilences()).data.filter((s) => s.state === 'active')).toHaveLength(1)
    await page.screenshot({ path: `${SCREENSHOTS}alerts-page.png`, fullPage: true })
    // The two refused submissions above (a bad rule, an ftp:// channel) are the only failed requests.
    expect(browser.problems.filter((p) => !p.includes('status of 400'))).toEqual([])
    expect(browser.problems.filter((p) => p.includes('status of 400'))).toHaveLength(2)
  })
})
