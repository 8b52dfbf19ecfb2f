import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(REPO, 'packages/cli/bin/loadfleet.js')
const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))
const TIMEOUT_MS = 60_000
const run = promisify(execFile)

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient
let dir: string

/** The example tree with every service at the stack's target, runs of 1 s, and `--local` gates recorded here. */
async function gate (app: string, revision: string): Promise<void> {
  await run(process.execPath, [CLI, 'gate', app, '--dir', 'app-of-apps', '--local', '--revision', revision], {
    cwd: dir, timeout: 120_000,
    env: { ...process.env, LOADFLEET_URL: stack.server.url, LOADFLEET_ADMIN: stack.server.adminAuth, SHOP_API_TOKEN: 't' },
  })
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  stack = await startStack()
  admin = new ApiClient({ baseUrl: stack.server.url, adminAuth: stack.server.adminAuth })
  dir = await mkdtemp(join(tmpdir(), 'lf-web-apps-'))
  await cp(join(REPO, 'examples/app-of-apps'), join(dir, 'app-of-apps'), { recursive: true })
  const host = new URL(stack.targetUrl).host
  for (const file of ['app.yaml', 'api/app.yaml', 'payments/app.yaml', 'payments/refunds/app.yaml', 'web/app.yaml',
    'payments/checkout.yaml', 'web/browse.js']) {
    const path = join(dir, 'app-of-apps', file)
    const text = (await readFile(path, 'utf8'))
      .replace('localhost:3000-3999', '127.0.0.1').replace(/localhost:300\d/g, host)
      .replace(/duration: (10|20)s/, 'duration: 1s').replace("duration: '10s'", "duration: '1s'")
    await writeFile(path, text)
  }
  await gate('shop', 'rev-aaaa1111')
  await gate('payments', 'rev-bbbb2222')
  browser = await launchBrowser()
  page = browser.page
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the Apps page in a real browser', () => {
  it('shows the tree of apps in dependency order with each last verdict and revision', async () => {
    await page.goto(`${stack.server.url}/agents/k6`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps', exact: true }).click()
    await expect.poll(() => page.url()).toBe(`${stack.server.url}/agents/k6/apps`)
    const tree = page.getByRole('list', { name: 'Apps' })
    await tree.getByRole('link', { name: 'shop' }).waitFor({ timeout: TIMEOUT_MS })
    const children = page.getByRole('list', { name: 'Children of shop, in dependency order' })
    expect(await children.locator(':scope > li > .app-row .app-name').allTextContents()).toEqual(['api', 'payments', 'web'])
    const payments = page.locator('.app-row[data-app="payments"]')
    expect(await payments.textContent()).toMatch(/payments(pass|warn)rev-bbbb2222after api2 gate tests/)
    expect(await page.locator('.app-row[data-app="web"]').textContent()).toMatch(/rev-aaaa1111after api/)
    await page.screenshot({ path: join(SCREENSHOTS, 'apps-tree.png'), fullPage: true })
  })

  it("opens an app: its tests, its gates by revision and an evidence download that is the gate's file", async () => {
    await page.locator('.app-row[data-app="payments"]').getByRole('link', { name: 'payments' }).click()
    await page.getByRole('heading', { name: 'payments', level: 1 }).waitFor({ timeout: TIMEOUT_MS })
    const tests = page.getByRole('region', { name: /^Gate tests/ })
    expect(await tests.getByRole('row').count()).toBe(3)
    await tests.getByRole('row', { name: /checkout file/ }).waitFor()
    const gates = page.getByRole('region', { name: 'Gates by revision' })
    await gates.getByRole('row', { name: /rev-bbbb2222/ }).waitFor({ timeout: TIMEOUT_MS })
    expect(await gates.getByRole('row').count()).toBe(3)
    expect(await gates.getByRole('row', { name: /rev-aaaa1111/ }).textContent()).toMatch(/shop.*locally/)
    const href = await gates.getByRole('row', { name: /rev-bbbb2222/ }).getByRole('link', { name: 'JSON' }).getAttribute('href')
    const file = await (await fetch(`${stack.server.url}${href ?? ''}`)).text()
    const recorded = await admin.getAppRevision('payments', 'rev-bbbb2222')
    expect(createHash('sha256').update(file).digest('hex')).toBe(recorded.evidenceSha256)
    await page.getByRole('region', { name: /^Runs of the latest gate/ }).getByRole('row', { name: /refunds list/ })
      .waitFor({ timeout: TIMEOUT_MS })
    await page.screenshot({ path: join(SCREENSHOTS, 'app-detail.png'), fullPage: true })
  })

  it('says so for an app no gate has covered', async () => {
    await page.goto(`${stack.server.url}/agents/k6/apps/nope`)
    await page.getByRole('heading', { name: 'App not found' }).waitFor({ timeout: TIMEOUT_MS })
  })
})
