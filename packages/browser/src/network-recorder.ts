import type { CDPSession } from 'playwright-core'
import type { TlsDetails } from '@loadfleet/core/base'

/** One request as Chromium's network domain reported it; times are CDP monotonic seconds. */
export interface RecordedRequest {
  url: string
  type: string
  startS: number
  endS: number | null
  status: number | null
  error?: string
  bytes: number
  frameId: string | undefined
}

interface SecurityDetails {
  protocol: string
  cipher: string
  keyExchangeGroup?: string
  issuer: string
  subjectName: string
  validFrom: number
  validTo: number
}

// Only CDP's fields this recorder reads.
interface RequestWillBeSent {
  requestId: string
  frameId?: string
  type?: string
  timestamp: number
  request: { url: string }
  redirectResponse?: { status: number, encodedDataLength?: number }
}
interface ResponseReceived {
  requestId: string
  frameId?: string
  type: string
  response: { status: number, url: string, securityDetails?: SecurityDetails }
}

const DAY_MS = 86_400_000

/** Chromium fetches /favicon.ico by itself (type Other) for pages that name no icon; a 404 there is not the page's. */
export function isBrowserFavicon (url: string, type: string | undefined): boolean {
  return (type === undefined || type === 'Other') && /^https?:\/\/[^/]+\/favicon\.ico$/i.test(url)
}

/**
 * Records every request of a page through the Chrome DevTools Protocol: the waterfall (start, end, bytes on the
 * wire, status, network error), the main document's TLS details, and how many requests are still in flight.
 */
export class NetworkRecorder {
  readonly #requests = new Map<string, RecordedRequest>()
  readonly #done: RecordedRequest[] = []
  #mainFrameId: string | undefined
  #mainSecurity: SecurityDetails | undefined
  #lastActivityAt = Date.now()

  static async attach (cdp: CDPSession): Promise<NetworkRecorder> {
    const recorder = new NetworkRecorder()
    cdp.on('Network.requestWillBeSent', (e: RequestWillBeSent) => { recorder.#onRequest(e) })
    cdp.on('Network.responseReceived', (e: ResponseReceived) => { recorder.#onResponse(e) })
    cdp.on('Network.loadingFinished', (e: { requestId: string, timestamp: number, encodedDataLength: number }) => {
      recorder.#finish(e.requestId, e.timestamp, { bytes: e.encodedDataLength })
    })
    cdp.on('Network.loadingFailed', (e: { requestId: string, timestamp: number, errorText: string, canceled?: boolean }) => {
      recorder.#finish(e.requestId, e.timestamp, { error: e.errorText })
    })
    await cdp.send('Network.enable')
    const tree = await cdp.send('Page.getFrameTree')
    recorder.#mainFrameId = tree.frameTree.frame.id
    return recorder
  }

  /** Requests not yet finished, and ms since the last request started or ended (for waiting until quiet). */
  activity (): { inFlight: number, quietForMs: number } {
    return { inFlight: this.#requests.size, quietForMs: Date.now() - this.#lastActivityAt }
  }

  /** Every request so far, finished or not, in start order. */
  requests (): RecordedRequest[] {
    return [...this.#done, ...this.#requests.values()].sort((a, b) => a.startS - b.startS)
  }

  /** The TLS of the main frame's first document, when it came over https. */
  tls (now = Date.now()): TlsDetails | null {
    const s = this.#mainSecurity
    if (s === undefined) return null
    const validToMs = s.validTo * 1000
    return {
      protocol: s.protocol,
      cipher: s.keyExchangeGroup === undefined || s.keyExchangeGroup === '' ? s.cipher : `${s.cipher} (${s.keyExchangeGroup})`,
      issuer: s.issuer,
      subject: s.subjectName,
      validFromAt: new Date(s.validFrom * 1000).toISOString(),
      validToAt: new Date(validToMs).toISOString(),
      daysUntilExpiry: Math.round((validToMs - now) / DAY_MS * 10) / 10,
    }
  }

  #onRequest (e: RequestWillBeSent): void {
    this.#lastActivityAt = Date.now()
    // data: and blob: URLs never touch the network; the browser's own favicon fetch is not the page's.
    if (!/^https?:/i.test(e.request.url) || isBrowserFavicon(e.request.url, e.type)) return
    const previous = this.#requests.get(e.requestId)
    if (previous !== undefined && e.redirectResponse !== undefined) {
      // A redirect reuses the request id: the hop so far becomes its own bar.
      previous.status = e.redirectResponse.status
      previous.endS = e.timestamp
      previous.bytes = e.redirectResponse.encodedDataLength ?? 0
      this.#done.push(previous)
    }
    this.#requests.set(e.requestId, {
      url: e.request.url, type: e.type ?? 'Other', startS: e.timestamp, endS: null, status: null, bytes: 0,
      frameId: e.frameId,
    })
  }

  #onResponse (e: ResponseReceived): void {
    const request = this.#requests.get(e.requestId)
    if (request === undefined) return
    request.status = e.response.status
    request.type = e.type
    const security = e.response.securityDetails
    if (e.type === 'Document' && e.frameId === this.#mainFrameId && this.#mainSecurity === undefined && security !== undefined) {
      this.#mainSecurity = security
    }
  }

  #finish (requestId: string, timestamp: number, outcome: { bytes?: number, error?: string }): void {
    this.#lastActivityAt = Date.now()
    const request = this.#requests.get(requestId)
    if (request === undefined) return
    this.#requests.delete(requestId)
    request.endS = timestamp
    if (outcome.bytes !== undefined) request.bytes = outcome.bytes
    if (outcome.error !== undefined && request.status === null) request.error = outcome.error
    this.#done.push(request)
  }
}
