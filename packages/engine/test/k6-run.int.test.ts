import { accessSync, constants } from 'node:fs'
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { parseTestObject, type TestSpec } from '@loadfleet/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWithK6 } from '../src/k6/index.js'

// Real outputs of k6 v1.3.0, shared by the whole repository (see its README).
const FIXTURES = new URL('../../../fixtures/k6/', import.meta.url).pathname

/**
 * A fake k6 binary (no real k6 can be installed here): a shell script that records its arguments and script,
 * prints progress on stdout, copies a real k6 summary-export fixture to the --summary-export path and exits
 * with the given code; with `hang`, it waits for SIGTERM instead.
 */
const FAKE_K6 = `#!/bin/sh
echo "$@" > "$LF_FAKE_DIR/args"
summary=""
jsonout=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "--summary-export" ]; then summary="$arg"; fi
  if [ "$prev" = "--out" ]; then jsonout="\${arg#json=}"; fi
  prev="$arg"
done
cp "$arg" "$LF_FAKE_DIR/script.js"
echo "running (01.0s), 1/1 VUs, 5 complete and 0 interrupted iterations"
if [ "$LF_FAKE_MODE" = "hang" ]; then
  trap 'kill $sleeper; echo "got SIGTERM" > "$LF_FAKE_DIR/term"; exit 105' TERM
  sleep 30 &
  sleeper=$!
  wait
fi
if [ -n "$LF_FAKE_FIXTURE" ]; then cp "$LF_FAKE_FIXTURE" "$summary"; fi
if [ -n "$jsonout" ] && [ -n "$LF_FAKE_JSONL" ]; then cp "$LF_FAKE_JSONL" "$jsonout"; fi
echo 'time="2026-11-23T17:43:14Z" level=error msg="first problem"' >&2
echo "$LF_FAKE_STDERR" >&2
exit "$LF_FAKE_EXIT"
`

let dir: string
let fakeK6: string
let spec: TestSpec

function fake (env: Record<string, string>): void {
  for (const key of ['LF_FAKE_MODE', 'LF_FAKE_FIXTURE', 'LF_FAKE_STDERR', 'LF_FAKE_EXIT', 'LF_FAKE_JSONL']) delete process.env[key]
  Object.assign(process.env, { LF_FAKE_DIR: dir, LF_FAKE_EXIT: '0', LF_FAKE_STDERR: '', ...env })
}

async function tmpFiles (tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((f) => f.startsWith('k6-script-') || f.startsWith('summary-'))
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-fake-k6-'))
  fakeK6 = join(dir, 'fake-k6')
  await writeFile(fakeK6, FAKE_K6)
  await chmod(fakeK6, 0o755)
  const parsed = parseTestObject({
    options: { vus: 5, duration: '4s', thresholds: { http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true }] } },
    requests: [{ url: 'http://127.0.0.1:9/errors' }],
  })
  if (parsed.value === undefined) throw new Error('test spec did not parse')
  spec = parsed.value
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('runWithK6 with a fake k6 binary (shell script standing in for k6)', () => {
  it('fake k6 exiting 99 with the thresholds-crossed fixture → failed, verdicts read, temp files removed', async () => {
    fake({ LF_FAKE_EXIT: '99', LF_FAKE_FIXTURE: join(FIXTURES, 'summary-export-thresholds-crossed.json') })
    const tmp = await mkdtemp(join(dir, 'run-'))
    const lines: string[] = []
    const result = await runWithK6(spec, { k6Binary: fakeK6, tmpDir: tmp, runId: 'r1', onStdout: (l) => lines.push(l) })
    expect(result).toMatchObject({ engine: 'k6', outcome: 'failed' })
    expect(result.errorMessage).toBeUndefined()
    expect(result.thresholds).toContainEqual({ metric: 'http_req_failed', expression: 'rate<0.01', ok: false, abortOnFail: true })
    expect(result.metrics.http_req_failed?.values.rate).toBeCloseTo(0.024752475247524754, 12)
    expect(result.metrics.http_req_duration?.values['p(99)']).toBe(101.3986467)
    expect(result.durationMs).toBeCloseTo(4127.9, 0)
    expect(lines).toEqual(['running (01.0s), 1/1 VUs, 5 complete and 0 interrupted iterations'])
    expect(await tmpFiles(tmp)).toEqual([])
    const args = (await readFile(join(dir, 'args'), 'utf8')).trim()
    expect(args).toBe(`run --summary-export ${join(tmp, 'summary-r1.json')} ` +
      `--summary-trend-stats avg,min,med,max,p(90),p(95),p(99) --no-usage-report --no-color ${join(tmp, 'k6-script-r1.js')}`)
    expect(await readFile(join(dir, 'script.js'), 'utf8')).toContain('"http://127.0.0.1:9/errors"')
  })

  it("passes the test's own summaryTrendStats to k6 instead of a fixed list", async () => {
    fake({ LF_FAKE_EXIT: '0', LF_FAKE_FIXTURE: join(FIXTURES, 'summary-export-default-stats.json') })
    const tmp = await mkdtemp(join(dir, 'run-'))
    await runWithK6({ ...spec, summaryTrendStats: ['avg', 'p(99.9)'] }, { k6Binary: fakeK6, tmpDir: tmp, runId: 'r9' })
    expect(await readFile(join(dir, 'args'), 'utf8')).toContain(' --summary-trend-stats avg,p(99.9) ')
  })

  it('fake k6 writing a --out json fixture → responses counted per status when asked', async () => {
    fake({ LF_FAKE_EXIT: '0', LF_FAKE_FIXTURE: join(FIXTURES, 'summary-export-default-stats.json'),
      LF_FAKE_JSONL: join(FIXTURES, 'out-json-5-iterations.jsonl') })
    const tmp = await mkdtemp(join(dir, 'run-'))
    const result = await runWithK6(spec, { k6Binary: fakeK6, tmpDir: tmp, runId: 'r2', countResponses: true })
    expect(result).toMatchObject({ outcome: 'passed', statusCodes: { 200: 5 }, errorKinds: {} })
    expect(await readFile(join(dir, 'args'), 'utf8')).toContain(`--out json=${join(tmp, 'out-r2.jsonl')} `)
    expect(await readdir(tmp)).toEqual([])
  })

  it('fake k6 exiting 0 with the default-stats fixture → passed', async () => {
    fake({ LF_FAKE_EXIT: '0', LF_FAKE_FIXTURE: join(FIXTURES, 'summary-export-default-stats.json') })
    const result = await runWithK6(spec, { k6Binary: fakeK6, tmpDir: dir })
    expect(result.outcome).toBe('passed')
    expect(result.metrics.http_reqs?.values.count).toBe(36490)
  })

  it("fake k6 exiting 107 → error with k6's last stderr line", async () => {
    fake({ LF_FAKE_EXIT: '107', LF_FAKE_STDERR: 'level=error msg="TypeError: boom at default (file:///x.js:12:3)"' })
    // countResponses with no --out file written: counts stay empty, the exit code decides
    const result = await runWithK6(spec, { k6Binary: fakeK6, tmpDir: dir, countResponses: true })
    expect(result.statusCodes).toEqual({})
    expect(result.outcome).toBe('error')
    expect(result.errorMessage).toBe('k6 exited with code 107: level=error msg="TypeError: boom at default (file:///x.js:12:3)"')
    expect(await tmpFiles(dir)).toEqual([])
  })

  it('fake k6 exiting 0 without writing a summary → error, not a silent pass', async () => {
    fake({ LF_FAKE_EXIT: '0' })
    const result = await runWithK6(spec, { k6Binary: fakeK6, tmpDir: dir })
    expect(result.outcome).toBe('error')
    expect(result.errorMessage).toContain('wrote no readable summary')
  })

  it('fake k6 that keeps running gets SIGTERM on abort → error, abortedBy signal', async () => {
    fake({ LF_FAKE_MODE: 'hang', LF_FAKE_EXIT: '0' })
    const controller = new AbortController()
    const started = Date.now()
    const pending = runWithK6(spec, {
      k6Binary: fakeK6, tmpDir: dir, signal: controller.signal,
      onStdout: () => setTimeout(() => controller.abort(), 100),
    })
    const result = await pending
    expect(result).toMatchObject({ outcome: 'error', abortedBy: 'signal' })
    expect(result.errorMessage).toContain('cancelled')
    expect(await readFile(join(dir, 'term'), 'utf8')).toBe('got SIGTERM\n')
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(await tmpFiles(dir)).toEqual([])
  })
})

/** `K6_BINARY`, else `k6` found on PATH, else undefined. */
function findK6 (): string | undefined {
  if (process.env.K6_BINARY !== undefined && process.env.K6_BINARY !== '') return process.env.K6_BINARY
  for (const p of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(p, 'k6'), constants.X_OK)
      return join(p, 'k6')
    } catch {
      // not in this PATH entry
    }
  }
  return undefined
}

describe('runWithK6 with a real k6 binary', () => {
  let target: Server
  let url: string

  beforeAll(async () => {
    target = createServer((_req, res) => res.end('ok'))
    target.listen(0, '127.0.0.1')
    await once(target, 'listening')
    url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
  })

  afterAll(async () => {
    target.close()
    await once(target, 'close')
  })

  it('reports a missing binary as an error naming its path', async () => {
    const missing = join(dir, 'no-such-k6')
    const result = await runWithK6(spec, { k6Binary: missing, tmpDir: dir })
    expect(result).toMatchObject({ engine: 'k6', outcome: 'error' })
    expect(result.errorMessage).toBe(`k6 binary not found at ${missing}: install k6 or set K6_BINARY`)
    expect(await tmpFiles(dir)).toEqual([])
  })

  it('runs 20 iterations with a real k6 when one is present', async () => {
    const k6 = findK6()
    if (k6 === undefined) {
      console.log('k6 binary not found — real k6 run not exercised (set K6_BINARY to run it)')
      const result = await runWithK6(spec, { k6Binary: 'k6', tmpDir: dir })
      expect(result.errorMessage).toContain('k6 binary not found at k6')
      return
    }
    const real = parseTestObject({
      options: { vus: 2, iterations: 20, thresholds: { http_req_failed: ['rate<0.01'] } },
      requests: [{ name: 'home', url, expect: { status: [200] } }],
    }).value
    if (real === undefined) throw new Error('test spec did not parse')
    const result = await runWithK6(real, { k6Binary: k6, tmpDir: dir })
    expect(result.outcome).toBe('passed')
    expect(result.metrics.http_reqs?.values.count).toBe(20)
    expect(result.metrics.http_req_duration?.values['p(99)']).toBeGreaterThan(0)
    expect(result.checks).toEqual([{ name: 'home status is 200', passes: 20, fails: 0 }])
  })
})
