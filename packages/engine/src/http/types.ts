import type { ErrorKind } from '@loadfleet/core'

/** One request as the engine wants it sent; build it once per step and reuse it, as its wire form is cached. */
export interface HttpRequestSpec {
  /** Upper-case method. */
  method: string
  /** http: or https: only. */
  url: URL
  /** User headers with lower-case names; the client adds host, user-agent (if absent), content-length, connection. */
  headers: Record<string, string>
  /** Body encoded once by the caller. */
  body?: Uint8Array
  /** Whole request including redirects; k6's default is 60 s. */
  timeoutMs: number
  /** k6's default is 10; each hop is its own sample. */
  maxRedirects: number
  /** Keep the final response's headers and body (scripts read them); the load path discards both. */
  capture?: boolean
}

/** One request/response exchange on the wire (one redirect hop). All times in microseconds (fractional). */
export interface HttpSample {
  /** 0 when no complete response arrived. */
  status: number
  errorKind: ErrorKind | null
  /** Before the request could start: DNS lookup on a new connection, else the wait for the kept one. */
  blockedUs: number
  /** TCP connect; non-zero only on the hop that opened the connection. */
  connectingUs: number
  /** TLS handshake; non-zero only on the hop that opened the connection. */
  tlsHandshakingUs: number
  /** Writing the request until the kernel took it. */
  sendingUs: number
  /** Request sent until the first response byte (TTFB). */
  waitingUs: number
  /** First response byte until the last. */
  receivingUs: number
  /** sending + waiting + receiving (k6's http_req_duration). */
  durationUs: number
  /** Bytes written on the socket, request line and headers included. */
  bytesSent: number
  /** Bytes read, status line and headers included (k6 counts headers in data_received). */
  bytesReceived: number
  /** This hop's URL (the `url` tag). */
  url: string
}

/** Outcome of a request after redirects. */
export interface HttpResponse {
  status: number
  errorKind: ErrorKind | null
  errorMessage: string | null
  /** Final URL after redirects. */
  url: string
  /** The final hop. */
  sample: HttpSample
  /** With `capture`: the final response's headers (as received) and body. */
  headers?: Array<[string, string]>
  body?: Buffer
}

/**
 * An egress policy check: why a connection to `host:port` (resolved to `address`, once known) is refused, or
 * undefined. Called when a connection is opened (once before DNS, once per resolved address), never per request.
 */
export type EgressCheck = (destination: { host: string, port: number, address?: string }) => string | undefined

/** Options of one client (one per virtual user). */
export interface HttpClientOptions {
  insecureSkipTLSVerify: boolean
  /** Refuses connections the egress policy denies (the agent's TARGET_ALLOW / TARGET_DENY). */
  egress?: EgressCheck | undefined
  /** Default user-agent header value, e.g. 'loadfleet/0.1.0'. */
  userAgent: string
  /** Called once per hop (redirects included), synchronously, before the request promise resolves. Hot path. */
  onSample: (sample: HttpSample) => void
}

/** A virtual user's HTTP client. */
export interface HttpClient {
  /** Never rejects: failures are an errorKind with status 0. */
  request (spec: HttpRequestSpec): Promise<HttpResponse>
  /** Destroys its sockets. */
  close (): void
}
