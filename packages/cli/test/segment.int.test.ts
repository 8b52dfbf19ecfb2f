import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** `loadfleet run --execution-segment`: the built CLI against a real target on 127.0.0.1. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')
const run = promisify(execFile)

async function cli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

let server: Server
let url = ''
let requests = 0
beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++
    res.end('ok')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => { server.close() })

describe('loadfleet run --execution-segment', () => {
  it('runs only its share: the three thirds of 10 iterations run 4, 3 and 3', async () => {
    const counts: number[] = []
    for (const segment of ['0:1/3', '1/3:2/3', '2/3:1']) {
      const before = requests
      const out = await cli(['run', '--url', url, '--vus', '10', '--iterations', '10', '--json', '-q',
        '--execution-segment', segment, '--execution-segment-sequence', '0,1/3,2/3,1'])
      expect(out.code, out.stderr).toBe(0)
      const json = JSON.parse(out.stdout) as { metrics: Record<string, { values: { count: number } }> }
      counts.push(json.metrics.iterations?.values.count ?? -1)
      expect(requests - before).toBe(counts.at(-1))
    }
    expect(counts).toEqual([4, 3, 3])
  })

  it.each([
    [['--execution-segment', '2/3:1/3'], '--execution-segment: the segment start (2/3) must be below its end (1/3)'],
    [['--execution-segment', '0:1/2', '--execution-segment-sequence', '0,1/3,1'],
      '--execution-segment: the segment 0:1/2 is not one of the sequence 0,1/3,1'],
    [['--execution-segment-sequence', 'x,1'], "--execution-segment-sequence: 'x' is not a fraction"],
  ])('refuses %j with one line and exit 104', async (flags, message) => {
    const out = await cli(['run', '--url', url, '--vus', '1', '--iterations', '1', ...flags])
    expect(out.code).toBe(104)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toContain(message)
  })
})
