import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ApiClient } from '@loadfleet/api'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startStack, type Stack } from './helpers/stack.js'

let stack: Stack
let browser: Browser
let page: Page
let admin: ApiClient

// Line 2 imports a module the engine refuses.
const BROKEN = "import http from 'k6/http'\nimport ws from 'k6/ws'\nexport default function () {\n  http.get('/')\n}\n"

beforeAll(async () => {
  stack = await startStack()
  admin = new ApiClient({ baseUrl: stack.server.url, adminAuth: stack.server.adminAuth })
  browser = await launchBrowser()
  page = browser.page
  await page.goto(`${stack.server.url}/agents/k6`)
  await page.evaluate(`window.sessionStorage.setItem('loadfleet.adminAuth', ${JSON.stringify(stack.server.adminAuth)})`)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe("the site form's script editor against a real control plane", () => {
  it("shows the server's diagnostics at their lines, then saves the corrected script", async () => {
    await page.goto(`${stack.server.url}/agents/k6/sites`)
    await page.getByRole('button', { name: 'Add site' }).click()
    const form = page.getByRole('form', { name: 'Add site' })
    await form.getByLabel('URL').fill(`${stack.targetUrl}/scripted`)
    const editor = form.getByLabel('k6 script')
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('.script-editor')).fontFamily"))
      .toMatch(/mono/i)
    await editor.fill(BROKEN)
    await form.getByRole('button', { name: 'Add site' }).click()
    const problems = form.getByRole('list', { name: 'Script problems' }).getByRole('listitem')
    await problems.first().waitFor()
    const texts = await problems.allTextContents()
    // Each problem shows its line number, the line as written, then the server's message.
    expect(texts).toEqual([expect.stringMatching(/^2import ws from 'k6\/ws'line 2: .*k6\/ws/)])
    expect(await form.locator('.field-script > .field-error').textContent()).toBe('k6 script: one problem to fix')
    expect((await admin.listTargets()).data).toHaveLength(0)
    await editor.fill("import http from 'k6/http'\nexport default function () {\n  http.get('" + stack.targetUrl + "/scripted')\n}\n")
    expect(await problems.count()).toBe(0)
    await form.getByRole('button', { name: 'Add site' }).click()
    await expect.poll(async () => (await admin.listTargets()).data.length).toBe(1)
    expect((await admin.listTargets()).data[0]?.script).toContain('http.get(')
    expect(browser.problems.filter((p) => !/status of 400/.test(p))).toEqual([])
  }, 60_000)
})
