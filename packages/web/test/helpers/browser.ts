import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
// Flags for a headless Chromium in a container: no sandbox, no GPU, and nothing phoning home.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

export interface Browser {
  context: BrowserContext
  page: Page
  /** Uncaught page errors and console errors, so a test can assert the dashboard stayed clean. */
  problems: string[]
  /** Alerts, confirms and prompts the page opened (an injected script would show up here). */
  dialogs: string[]
  close: () => Promise<void>
}

/** Debian's Chromium with a fresh profile, so no state leaks between runs; `timezoneId` as an IANA zone name. */
export async function launchBrowser (viewport = { width: 1280, height: 900 }, options: { timezoneId?: string } = {}):
Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'loadfleet-web-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport, ...options,
  })
  const page = context.pages()[0] ?? await context.newPage()
  const problems: string[] = []
  const dialogs: string[] = []
  page.on('pageerror', (err) => { problems.push(`pageerror: ${err.message}`) })
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  return {
    context,
    page,
    problems,
    dialogs,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
