// A target with a deterministic latency pattern, run in its own process so its timings do not share an event loop
// with the engine under test. Every 10th response takes 100 ms, the others 5 ms; every 20th is a 500.
// It speaks just enough HTTP/1.1 over raw sockets (keep-alive, Content-Length bodies, one request in flight per
// connection, as a VU sends) to timestamp each exchange from the arrival of its first request byte to the moment its
// response was handed to the kernel, and it counts the bytes its sockets read and wrote. The parent asks for these
// over IPC with the message 'stats'.
import { createServer } from 'node:net'

const sockets = new Set()
const durationsUs = []
const statuses = {}
let n = 0

function respond (socket, startedNs) {
  const i = ++n
  const delayMs = i % 10 === 0 ? 100 : 5
  const status = i % 20 === 0 ? 500 : 200
  statuses[status] = (statuses[status] ?? 0) + 1
  setTimeout(() => {
    const body = `{"i":${i},"delayMs":${delayMs}}`
    const head = `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Internal Server Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n`
    socket.write(head + body, () => {
      durationsUs.push(Number(process.hrtime.bigint() - startedNs) / 1000)
    })
  }, delayMs)
}

const server = createServer((socket) => {
  sockets.add(socket)
  socket.setNoDelay(true)
  let buffered = Buffer.alloc(0)
  let startedNs = 0n
  socket.on('data', (chunk) => {
    if (buffered.length === 0) startedNs = process.hrtime.bigint()
    buffered = Buffer.concat([buffered, chunk])
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = buffered.subarray(0, end).toString('latin1')
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      buffered = buffered.subarray(end + 4 + length)
      respond(socket, startedNs)
      startedNs = process.hrtime.bigint()
    }
  })
  socket.on('error', () => socket.destroy())
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))

process.on('message', (msg) => {
  if (msg !== 'stats') return
  let bytesRead = 0
  let bytesWritten = 0
  for (const s of sockets) {
    bytesRead += s.bytesRead
    bytesWritten += s.bytesWritten
  }
  process.send({ durationsUs, statuses, bytesRead, bytesWritten, requests: n })
})
process.on('disconnect', () => process.exit(0))
