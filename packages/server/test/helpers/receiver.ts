import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a receiver got: the raw body as sent (signatures are over these bytes) and its headers. */
export interface Received { method: string, path: string, headers: IncomingHttpHeaders, raw: string, body: unknown }

/**
 * A real HTTP receiver on 127.0.0.1 standing in for a webhook endpoint, Slack or Alertmanager: records every
 * request and answers `status` (changeable while running, e.g. 503 to make the sender retry).
 */
export class Receiver {
  readonly received: Received[] = []
  status = 200
  #server: Server | undefined
  #port = 0

  /** Listens (again) on its first port, so a sender that queued the URL reaches it after a restart. */
  async start (): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        let body: unknown = null
        try { body = JSON.parse(raw) } catch { body = null }
        this.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body })
        res.statusCode = this.status
        res.end('{}')
      })
    })
    server.listen(this.#port, '127.0.0.1')
    await once(server, 'listening')
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
    return this
  }

  /** Stops listening: senders now get "connection refused". */
  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }

  get url (): string {
    return `http://127.0.0.1:${this.#port}`
  }
}
