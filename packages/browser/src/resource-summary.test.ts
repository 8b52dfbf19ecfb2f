import { describe, expect, it } from 'vitest'
import { siteOf, summariseResources } from './resource-summary.js'
import { totalBlockingTimeMs } from './page-figures.js'

describe('summariseResources', () => {
  it('counts bytes, failures by status or network error, third parties and the slowest', () => {
    const r = (url: string, startS: number, endS: number, extra: object = {}) => ({
      url, type: 'Other', startS, endS, status: 200, bytes: 100, frameId: undefined, ...extra,
    })
    const summary = summariseResources([
      r('https://www.shop.example.com/', 10, 10.2, { type: 'Document', bytes: 1000 }),
      r('https://cdn.shop.example.com/app.js', 10.3, 10.9),
      r('https://ads.tracker.net/t.js', 10.3, 11.5, { bytes: 900 }),
      r('https://www.shop.example.com/missing.png', 10.4, 10.5, { status: 404 }),
      r('https://www.shop.example.com/api', 10.4, 10.6, { status: null, error: 'net::ERR_CONNECTION_RESET' }),
      r('https://www.shop.example.com/gone', 10.4, 10.6, { status: null, error: 'net::ERR_ABORTED' }),
    ], { pageUrl: 'https://www.shop.example.com/', originS: 10, endS: 11.5 })
    expect(summary).toMatchObject({
      count: 6, bytes: 2300, thirdPartyCount: 1, thirdPartyBytes: 900, thirdPartyShare: 0.391,
    })
    expect(summary.failedByStatus).toEqual({ 404: 1, 'net::ERR_CONNECTION_RESET': 1 })
    expect(summary.slowest[0]).toMatchObject({ url: 'https://ads.tracker.net/t.js', startMs: 300, durationMs: 1200 })
    expect(summary.entries[1]?.thirdParty).toBe(false) // a subdomain of the page's site
  })

  it.each([
    ['https://www.example.com/x', 'example.com'], ['https://a.b.example.co.uk/', 'example.co.uk'],
    ['http://127.0.0.1:8080/', '127.0.0.1'], ['http://localhost:3000/', 'localhost'], ['nonsense', null],
  ])('the site of %s is %s', (url, site) => {
    expect(siteOf(url)).toBe(site)
  })
})

describe('totalBlockingTimeMs', () => {
  it('counts each long task beyond 50 ms, only its part after FCP', () => {
    expect(totalBlockingTimeMs([[100, 120], [400, 50], [900, 300]], 150)).toBe(20 + 0 + 250)
    expect(totalBlockingTimeMs([[0, 100]], 500)).toBe(0)
  })
})
