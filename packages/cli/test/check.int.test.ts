import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `loadfleet check` as users run it: the built CLI, the system Chromium, a real page on 127.0.0.1.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLI = join(ROOT, 'packages/cli/bin/loadfleet.js')
const run = promisify(execFile)
const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])

let server: Server
let url: string
let dir: string

async function cli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, timeout: 90_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

beforeAll(async () => {
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: ROOT })
  server = createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.statusCode = 204
      res.end()
      return
    }
    res.setHeader('content-type', 'text/html')
    res.end('<!doctype html><title>Shop</title><h1>Shop</h1><button id="go">Go</button>')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  dir = await mkdtemp(join(tmpdir(), 'loadfleet-check-'))
}, 180_000)

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadfleet check', () => {
  it('prints the figures as JSON and exits 0 when the page and its steps pass', async () => {
    await writeFile(join(dir, 'ok.yaml'), "device: mobile\nsteps:\n  - click: '#go'\n  - expectText: Shop\n")
    const { code, stdout, stderr } = await cli(['check', url, '--steps', 'ok.yaml', '--json'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const result = JSON.parse(stdout) as Record<string, unknown> & { vitals: Record<string, unknown>, viewport: object }
    expect(result).toMatchObject({ status: 'passed', reason: null, httpStatus: 200, device: 'mobile', screenshotFile: null })
    expect(result.viewport).toEqual({ width: 412, height: 915 })
    expect(Object.keys(result.vitals).sort()).toEqual(['cls', 'fcp', 'lcp', 'tbt', 'ttfb'])
  })

  it('prints a table for people and writes the screenshot asked for', async () => {
    const { code, stdout } = await cli(['check', url, '--screenshot', 'page.png'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^✓ passed {2}http:\/\/127\.0\.0\.1:\d+\/ {2}\(200, /)
    expect(stdout).toMatch(/\nnavigation {2}DNS \d+ ms · connect \d+ ms · TLS 0 ms · TTFB \d+ ms/)
    expect(stdout).toMatch(/\nweb vitals {2}LCP \d+ ms good · CLS 0 good · FCP \d+ ms good/)
    expect(stdout).toMatch(/\nscreenshot {2}page\.png\n/)
    expect((await readFile(join(dir, 'page.png'))).subarray(0, 8)).toEqual(PNG_SIGNATURE)
  })

  it('exits non-zero with a one-line reason and a screenshot when a step fails', async () => {
    await writeFile(join(dir, 'buy.yaml'), "stepTimeout: 1s\nsteps:\n  - click: '#buy'\n")
    const { code, stdout, stderr } = await cli(['check', url, '--steps', 'buy.yaml'])
    expect(code).toBe(99)
    expect(stderr).toBe('check failed: step 1 (click #buy): selector #buy not found after 1 s\n')
    const shot = /\nscreenshot {2}(\S+failure\.png)\n/.exec(stdout)?.[1]
    expect(shot).toBeDefined()
    expect((await readFile(shot!)).subarray(0, 8)).toEqual(PNG_SIGNATURE)
    await rm(join(shot!, '..'), { recursive: true })
  })

  it('refuses bad input in one line per problem with exit 104, before starting a browser', async () => {
    await writeFile(join(dir, 'bad.yaml'), "steps:\n  - click: '#a'\n  - press: Enter\n")
    const bad = await cli(['check', url, '--steps', 'bad.yaml'])
    expect(bad.code).toBe(104)
    expect(bad.stderr).toBe('bad.yaml:3: error: steps.1.press: unknown key; a step is one of navigate, click, fill, ' +
      'waitFor, expectText, expectStatus, with an optional timeout\nbad.yaml:3: error: steps.1: a step has exactly one ' +
      'action (one of navigate, click, fill, waitFor, expectText, expectStatus), got 0\n')
    const notHttp = await cli(['check', 'ftp://example.com/'])
    expect(notHttp).toMatchObject({ code: 104, stderr: "error: expected an http:// or https:// URL, got 'ftp://example.com/'\n" })
    const missing = await cli(['check', url, '--steps', 'nope.yaml'])
    expect(missing).toMatchObject({ code: 104, stderr: 'nope.yaml: error: cannot read the steps file (ENOENT)\n' })
    const device = await cli(['check', url, '--device', 'watch'])
    expect(device.code).toBe(104)
    expect(device.stderr.trim().split('\n')).toHaveLength(1)
  })
})
