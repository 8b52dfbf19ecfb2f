import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'

/** A real HTTP server on 127.0.0.1 that counts what its sockets actually read and wrote. */
export interface Target {
  url: string
  /** Requests seen (numbered from 1 in arrival order). */
  requests: number
  /** Sum of socket.bytesRead / bytesWritten over every connection, open or closed. */
  bytesRead: () => number
  bytesWritten: () => number
  connections: () => number
  close: () => Promise<void>
}

/** Starts a target; `handle` gets the request number (1-based, arrival order). */
export async function startTarget (handle: (req: IncomingMessage, res: ServerResponse, n: number) => void):
Promise<Target> {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    target.requests++
    handle(req, res, target.requests)
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (s: Socket) => sockets.add(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const target: Target = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    bytesRead: () => [...sockets].reduce((sum, s) => sum + s.bytesRead, 0),
    bytesWritten: () => [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    connections: () => sockets.size,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
  return target
}

/** Answers `body` with `status` after `delayMs` (0 = at once). */
export function reply (res: ServerResponse, status: number, body: string, delayMs = 0): void {
  const send = (): void => {
    res.statusCode = status
    res.setHeader('content-type', 'text/plain')
    res.end(body)
  }
  if (delayMs > 0) setTimeout(send, delayMs)
  else send()
}
