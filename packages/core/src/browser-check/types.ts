import type { DevicePreset } from './devices.js'
import type { VitalRating, WebVital } from './web-vitals.js'

/** One step of a browser check, after parsing; each waits at most `timeoutMs` (else the check's step timeout). */
export type BrowserStep =
  | { action: 'navigate', url: string, timeoutMs?: number }
  | { action: 'click', selector: string, timeoutMs?: number }
  | { action: 'fill', selector: string, value: string, timeoutMs?: number }
  | { action: 'waitForSelector', selector: string, timeoutMs?: number }
  | { action: 'waitForText', text: string, timeoutMs?: number }
  | { action: 'expectText', text: string, selector?: string, timeoutMs?: number }
  | { action: 'expectStatus', status: number }

/** What a browser check does: load `url`, then run `steps` in order. */
export interface BrowserCheckSpec {
  url: string
  steps: BrowserStep[]
  device: DevicePreset
  /** Overrides the device's viewport. */
  viewport?: { width: number, height: number }
  /** The whole check: launch, page load, steps. */
  timeoutMs: number
  /** Each step's default wait. */
  stepTimeoutMs: number
  /** Accept any TLS certificate (the certificate is still reported). */
  insecureSkipTlsVerify: boolean
  /** `always` takes a screenshot of every check, `on-failure` only of failed ones. */
  screenshot: 'always' | 'on-failure'
}

/**
 * How a check ended: `passed`; `failed` — the page or a step did not do what was expected (`reason` says what);
 * `error` — the check could not be carried out (the browser did not start).
 */
export type BrowserCheckStatus = 'passed' | 'failed' | 'error'

/** The main document's navigation timing, in ms from the navigation's start (phases as durations). */
export interface NavigationTiming {
  dnsMs: number
  connectMs: number
  /** Part of `connectMs`; 0 for http:. */
  tlsMs: number
  ttfbMs: number
  domContentLoadedMs: number
  loadMs: number
}

/** One measured vital with Google's rating. */
export interface VitalValue {
  value: number
  rating: VitalRating
}

/** One resource the page requested, as a waterfall bar. */
export interface ResourceTiming {
  url: string
  /** Chromium's resource type: Document, Stylesheet, Script, Image, Font, XHR, Fetch … */
  type: string
  /** HTTP status; null when the request failed without a response. */
  status: number | null
  /** Why it failed without a response, e.g. `net::ERR_CONNECTION_REFUSED`. */
  error?: string
  startMs: number
  durationMs: number
  /** Bytes received over the network (headers and encoded body). */
  bytes: number
  thirdParty: boolean
}

/** Totals over every resource of the page load. */
export interface ResourceSummary {
  count: number
  bytes: number
  /** Requests that failed, by status code or network error. */
  failedByStatus: Record<string, number>
  thirdPartyCount: number
  thirdPartyBytes: number
  /** Third-party share of the bytes, 0…1. */
  thirdPartyShare: number
  /** The five slowest, slowest first. */
  slowest: ResourceTiming[]
  /** Every resource in start order (at most 300), for the waterfall. */
  entries: ResourceTiming[]
}

/** The main document's TLS connection and certificate. */
export interface TlsDetails {
  protocol: string
  cipher: string
  issuer: string
  subject: string
  validFromAt: string
  validToAt: string
  /** Days from the check to the certificate's expiry, one decimal; negative once expired. */
  daysUntilExpiry: number
}

/** One step's outcome. */
export interface StepResult {
  index: number
  description: string
  status: 'passed' | 'failed' | 'skipped'
  durationMs: number
}

/** Everything a check measured; figures are null when the page never got far enough to have them. */
export interface BrowserCheckResult {
  url: string
  finalUrl: string | null
  status: BrowserCheckStatus
  /** Why the check failed or could not run, in one sentence; null when it passed. */
  reason: string | null
  startedAt: string
  /** Launch to teardown. */
  durationMs: number
  /** The main document's HTTP status. */
  httpStatus: number | null
  navigation: NavigationTiming | null
  vitals: Partial<Record<WebVital, VitalValue>>
  /** A CSS-like description of the largest contentful element, e.g. `img#hero`. */
  lcpElement: string | null
  resources: ResourceSummary
  consoleErrors: string[]
  pageErrors: string[]
  tls: TlsDetails | null
  steps: StepResult[]
  device: DevicePreset
  viewport: { width: number, height: number }
}
