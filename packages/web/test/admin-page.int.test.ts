import { mkdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { ApiClient, type AuditEntry } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { launchBrowser, type Browser } from './helpers/browser.js'

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const TIMEOUT_MS = 30_000

let dataDir: string
let server: RunningServer
let browser: Browser
let page: Page
let admin: ApiClient

function section (name: string): Locator {
  return page.getByRole('region', { name: new RegExp(`^${name}`) })
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'loadfleet-web-admin-'))
  server = await startServer({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', fleetScaler: 'none' })
  admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  await admin.createTarget({ url: 'http://127.0.0.1:9/checkout', label: 'Checkout', secretHeaders: { Authorization: 'Bearer web-hidden' } })
  browser = await launchBrowser()
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('the Admin page in a real browser', () => {
  it('asks an anonymous visitor to sign in, and shows nothing of the tokens or the trail', async () => {
    await page.goto(`${server.url}/agents/k6`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true }).click()
    await expect.poll(() => page.url()).toBe(`${server.url}/agents/k6/admin`)
    await section('Tokens and audit log').getByRole('button', { name: 'Admin sign-in' }).waitFor({ timeout: TIMEOUT_MS })
    expect(await page.getByRole('region', { name: /^Audit log/ }).count()).toBe(0)
  })

  it('creates a token shown once, lists it without the token, and revokes it', async () => {
    await page.evaluate(`window.sessionStorage.setItem('loadfleet.adminAuth', ${JSON.stringify(server.adminAuth)})`)
    await page.reload()
    const form = page.getByRole('form', { name: 'Create token' })
    await form.getByLabel('Name').fill('bad name!')
    await form.getByRole('button', { name: 'Create token' }).click()
    await form.getByText(/Name must be letters, digits/).waitFor({ timeout: TIMEOUT_MS })
    expect((await admin.listApiTokens()).data).toEqual([])

    await form.getByLabel('Name').fill('ci-deploy')
    await form.getByLabel('Role').selectOption('editor')
    await form.getByRole('button', { name: 'Create token' }).click()
    const shown = page.getByLabel('New token')
    await shown.waitFor({ timeout: TIMEOUT_MS })
    const token = (await shown.textContent()) ?? ''
    expect(token).toMatch(/^lf_[A-Za-z0-9_-]{43}$/)
    // The token works, with its role.
    const ci = new ApiClient({ baseUrl: server.url, apiToken: token })
    expect((await ci.listTargets()).data).toHaveLength(1)
    const row = section('API tokens').getByRole('row', { name: /ci-deploy/ })
    await row.waitFor()
    expect(await row.textContent()).toMatch(/editor/)
    await page.getByRole('button', { name: 'Done' }).click()
    expect(await page.content()).not.toContain(token)

    await page.getByRole('button', { name: 'Revoke token ci-deploy' }).click()
    await expect.poll(async () => (await admin.listApiTokens()).data.length, { timeout: TIMEOUT_MS }).toBe(0)
    await expect(ci.listTargets()).rejects.toMatchObject({ status: 401 })
  })

  it('shows the audit trail with who, where from and what changed, filters it and exports it', async () => {
    const audit = section('Audit log')
    const revoke = audit.getByRole('row', { name: /delete api_token/ })
    await revoke.waitFor({ timeout: TIMEOUT_MS })
    expect(await revoke.textContent()).toMatch(/admin.*127\.0\.0\.1/)
    const created = audit.getByRole('row', { name: /create target/ })
    expect(await created.textContent()).toMatch(/secretHeaderNames: \["Authorization"\]/)
    expect(await audit.textContent()).not.toContain('web-hidden')

    await audit.getByLabel('About').selectOption('api_token')
    await audit.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(async () => await audit.getByRole('row').count(), { timeout: TIMEOUT_MS }).toBe(3)
    await page.screenshot({ path: `${SCREENSHOTS}admin-page.png`, fullPage: true })

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      audit.getByRole('button', { name: 'Export JSON lines' }).click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^loadfleet-audit-\d{4}-\d{2}-\d{2}\.jsonl$/)
    const file = await download.path()
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEntry)
    expect(lines.map((e) => `${e.action} ${e.entity}`)).toEqual(['create api_token', 'delete api_token'])
    expect(browser.problems.filter((p) => !p.includes('status of 400') && !p.includes('status of 401'))).toEqual([])
  })
})
