import { once } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserCheckResult, BrowserCheckSpec } from '@loadfleet/core'
import { runBrowserCheck } from '../src/index.js'
import {
  EXPECTED_CLS, SLOW_HTML_DELAY_MS, SLOW_IMAGE_DELAY_MS, startHttpsPage, startTestPages, type TestPages,
} from './helpers/test-pages.js'

// Real Chromium (/usr/bin/chromium) against real pages on 127.0.0.1 whose figures are known by construction.

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])

let pages: TestPages
let https: { url: string, close: () => Promise<void> }

function spec (path: string, more: Partial<BrowserCheckSpec> = {}): BrowserCheckSpec {
  return {
    url: path.startsWith('http') ? path : `${pages.url}${path}`, steps: [], device: 'laptop', timeoutMs: 60_000,
    stepTimeoutMs: 10_000, insecureSkipTlsVerify: false, screenshot: 'on-failure', ...more,
  }
}

/** Chromium's own Performance API, read from the check's page by the test with observers of its own. */
const CHROMIUMS_OWN = `new Promise((resolve) => {
  const out = { lcp: 0, cls: 0, ttfb: performance.getEntriesByType('navigation')[0].responseStart }
  new PerformanceObserver((l) => { for (const e of l.getEntries()) out.lcp = e.startTime })
    .observe({ type: 'largest-contentful-paint', buffered: true })
  new PerformanceObserver((l) => { for (const e of l.getEntries()) out.cls += e.value })
    .observe({ type: 'layout-shift', buffered: true })
  setTimeout(() => resolve(out), 50)
})`

interface OwnFigures { lcp: number, cls: number, ttfb: number }

async function checkWithChromiumsOwn (path: string): Promise<{ result: BrowserCheckResult, own: OwnFigures }> {
  let own: OwnFigures | undefined
  const { result } = await runBrowserCheck(spec(path), {
    inspectPage: async (page) => { own = await page.evaluate<OwnFigures>(CHROMIUMS_OWN) },
  })
  if (own === undefined) throw new Error('the page was not inspected')
  return { result, own }
}

function within (actual: number | undefined, expected: number, share: number): void {
  expect(actual).toBeDefined()
  expect(Math.abs((actual ?? 0) - expected)).toBeLessThanOrEqual(Math.abs(expected) * share)
}

beforeAll(async () => {
  pages = await startTestPages()
  https = await startHttpsPage(10)
})
afterAll(async () => {
  await pages.close()
  await https.close()
})

describe('runBrowserCheck', () => {
  it('passes a fast page and its steps, with navigation timing, rated vitals and its resources', async () => {
    const { result, screenshot } = await runBrowserCheck(spec('/fast', {
      steps: [
        { action: 'click', selector: '#go' }, { action: 'expectText', text: 'clicked', selector: '#msg' },
        { action: 'fill', selector: '#name', value: 'Ada' }, { action: 'expectStatus', status: 200 },
      ],
    }))
    expect(result.reason).toBeNull()
    expect(result.status).toBe('passed')
    expect(result.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(result.httpStatus).toBe(200)
    const nav = result.navigation
    expect(nav).not.toBeNull()
    expect(nav!.ttfbMs).toBeLessThanOrEqual(nav!.domContentLoadedMs)
    expect(nav!.domContentLoadedMs).toBeLessThanOrEqual(nav!.loadMs)
    expect(nav!.tlsMs).toBe(0)
    expect(result.vitals.cls).toEqual({ value: 0, rating: 'good' })
    expect(result.vitals.fcp?.value).toBeGreaterThan(0)
    expect(result.vitals.lcp?.value).toBeGreaterThanOrEqual(result.vitals.fcp!.value)
    expect(result.vitals.tbt).toBeDefined()
    expect(result.resources.count).toBeGreaterThanOrEqual(1)
    expect(result.resources.entries[0]).toMatchObject({ url: `${pages.url}/fast`, type: 'Document', status: 200, startMs: 0 })
    expect(result.resources.failedByStatus).toEqual({})
    expect(result.consoleErrors).toEqual([])
    expect(result.tls).toBeNull()
    expect(screenshot).toBeNull() // only on failure unless asked
  })

  it('finds the late large image as the LCP element, in agreement with Chromium within 5 %', async () => {
    const { result, own } = await checkWithChromiumsOwn('/slow')
    expect(result.status).toBe('passed')
    expect(result.lcpElement).toBe('img#hero')
    const hero = result.resources.entries.find((e) => e.url.endsWith('/hero.png'))
    expect(hero?.bytes).toBeGreaterThan(1_000_000)
    // The image cannot paint before its bytes arrived: after the HTML's and the image's server delays.
    expect(result.vitals.lcp!.value).toBeGreaterThanOrEqual(SLOW_HTML_DELAY_MS + SLOW_IMAGE_DELAY_MS)
    expect(result.vitals.ttfb!.value).toBeGreaterThanOrEqual(SLOW_HTML_DELAY_MS)
    console.log(`LCP ${result.vitals.lcp!.value} ms (Chromium ${own.lcp.toFixed(1)}), TTFB ${result.vitals.ttfb!.value} ms (Chromium ${own.ttfb.toFixed(1)})`)
    within(result.vitals.lcp?.value, own.lcp, 0.05)
    within(result.vitals.ttfb?.value, own.ttfb, 0.05)
  })

  it('measures the known layout shift as CLS, in agreement with Chromium within 5 %', async () => {
    const { result, own } = await checkWithChromiumsOwn('/shift')
    console.log(`CLS ${result.vitals.cls?.value} (Chromium ${own.cls}, by construction ${EXPECTED_CLS})`)
    within(result.vitals.cls?.value, EXPECTED_CLS, 0.05)
    within(result.vitals.cls?.value, own.cls, 0.05)
    expect(result.vitals.cls?.rating).toBe('needs-improvement')
  })

  it('reports a failing resource, console errors, uncaught exceptions and the third-party share', async () => {
    const { result } = await runBrowserCheck(spec('/broken'))
    expect(result.status).toBe('passed') // reported, not judged: a page with a broken image still works
    expect(result.resources.failedByStatus).toEqual({ 404: 1 })
    expect(result.consoleErrors).toContain('boom: widget failed')
    expect(result.pageErrors).toEqual(['uncaught kaboom'])
    expect(result.resources.thirdPartyCount).toBe(1)
    const third = result.resources.entries.find((e) => e.thirdParty)
    expect(third?.url).toBe(`${pages.thirdUrl}/third.js`)
    expect(result.resources.thirdPartyShare).toBeCloseTo(result.resources.thirdPartyBytes / result.resources.bytes, 2)
  })

  it('reads the TLS version, cipher, issuer and days until expiry of a certificate expiring in 10 days', async () => {
    const { result } = await runBrowserCheck(spec(https.url, { insecureSkipTlsVerify: true }))
    expect(result.status).toBe('passed')
    expect(result.tls).toMatchObject({ protocol: 'TLS 1.3', subject: 'localhost' })
    expect(result.tls!.issuer).toMatch(/localhost|Loadfleet Test/)
    expect(result.tls!.cipher).toMatch(/AES|CHACHA/)
    expect(result.tls!.daysUntilExpiry).toBeGreaterThanOrEqual(9.9)
    expect(result.tls!.daysUntilExpiry).toBeLessThanOrEqual(10)
    expect(result.navigation!.tlsMs).toBeGreaterThan(0)
  })

  it('fails an untrusted certificate with the reason Chromium gives', async () => {
    const { result } = await runBrowserCheck(spec(https.url))
    expect(result.status).toBe('failed')
    expect(result.reason).toBe('the page could not be loaded: net::ERR_CERT_AUTHORITY_INVALID')
  })

  it('fails a step with a clear reason and a screenshot; the steps after it are skipped', async () => {
    const { result, screenshot } = await runBrowserCheck(spec('/fast', {
      stepTimeoutMs: 1500,
      steps: [
        { action: 'click', selector: '#go' }, { action: 'click', selector: '#buy' },
        { action: 'expectText', text: 'never' },
      ],
    }))
    expect(result.status).toBe('failed')
    expect(result.reason).toBe('step 2 (click #buy): selector #buy not found after 1.5 s')
    expect(result.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
    expect(screenshot?.format).toBe('png')
    expect(screenshot?.data.subarray(0, 8)).toEqual(PNG_SIGNATURE)
    expect(screenshot!.data.length).toBeGreaterThan(1000)
  })

  it('tells a hidden element from a missing one, and a missing text', async () => {
    const hidden = await runBrowserCheck(spec('/fast', { steps: [{ action: 'click', selector: '#hidden', timeoutMs: 1000 }] }))
    expect(hidden.result.reason).toBe('step 1 (click #hidden): selector #hidden found but not clickable after 1 s')
    const text = await runBrowserCheck(spec('/fast', { steps: [{ action: 'waitForText', text: 'Thank you', timeoutMs: 800 }] }))
    expect(text.result.reason).toBe('step 1 (wait for text "Thank you"): text "Thank you" not found after 800 ms')
  })

  it('fails an error status unless a step expects it, and a refused connection; a missing browser is an error', async () => {
    const down = await runBrowserCheck(spec('/unavailable', { screenshot: 'always' }))
    expect(down.result).toMatchObject({ status: 'failed', reason: 'the page answered HTTP 503', httpStatus: 503 })
    expect(down.screenshot).not.toBeNull()
    const expected = await runBrowserCheck(spec('/unavailable', { steps: [{ action: 'expectStatus', status: 503 }] }))
    expect(expected.result.status).toBe('passed')
    const closed = createServer().listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const closedPort = (closed.address() as AddressInfo).port
    closed.close()
    const refused = await runBrowserCheck(spec(`http://127.0.0.1:${closedPort}/`))
    expect(refused.result).toMatchObject({
      status: 'failed', reason: 'the page could not be loaded: net::ERR_CONNECTION_REFUSED', httpStatus: null,
    })
    const noBrowser = await runBrowserCheck(spec('/fast'), { chromiumPath: '/nonexistent/chromium' })
    expect(noBrowser.result.status).toBe('error')
    expect(noBrowser.result.reason).toMatch(/^Chromium could not be started \(\/nonexistent\/chromium\): /)
    expect(noBrowser.result.reason).not.toMatch(/\n|    at /)
  })
})
