import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExecutionTuple, evenSequence, formatSegment } from '@loadfleet/core'
import type { RunResult, ScenarioSpec } from '@loadfleet/core'
import { mergeHistograms, percentilesOfEncoded, prepareScript, runScript, runTest } from '../src/index.js'
import { startTarget } from './helpers/target.js'
import type { Target } from './helpers/target.js'
import { shared, step, testSpec } from './helpers/spec.js'

/** Real runs of k6 execution segments against a target on 127.0.0.1 that records what each request carried. */
let target: Target
const seen: Array<{ vu: number, iter: number }> = []

beforeAll(async () => {
  target = await startTarget((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams
    if (q.has('vu')) seen.push({ vu: Number(q.get('vu')), iter: Number(q.get('iter')) })
    setTimeout(() => res.end('ok'), 2)
  })
})
afterAll(async () => target.close())

function parts (n: number): ExecutionTuple[] {
  const seq = evenSequence(n)
  return seq.map((s) => {
    const t = ExecutionTuple.of(s, seq).value
    if (t === undefined) throw new Error(`no tuple for ${formatSegment(s)}`)
    return t
  })
}

const count = (r: RunResult, metric: string): number => r.metrics[metric]?.values.count ?? 0

describe('one test split into parts', () => {
  it('shared-iterations: 3 parts run 4/3/3 of 10 VUs and together exactly the 31 iterations', async () => {
    const spec = testSpec({ scenarios: [shared(10, 31)], requests: [step(`${target.url}/`)] })
    const results = await Promise.all(parts(3).map(async (segment) => runTest(spec, { segment })))
    expect(results.map((r) => r.metrics.vus_max?.values.value)).toEqual([4, 3, 3])
    expect(results.reduce((n, r) => n + count(r, 'iterations'), 0)).toBe(31)
    expect(results.reduce((n, r) => n + count(r, 'http_reqs'), 0)).toBe(31)
    const merged = mergeHistograms(results.map((r) => r.histograms?.http_req_duration ?? ''))
    const [p50] = percentilesOfEncoded(merged, [50])
    expect(p50).toBeGreaterThan(0)
  })

  it('constant-arrival-rate: the parts start every global iteration once, each numbered as in the whole test', async () => {
    const source = `
      import http from 'k6/http'
      import exec from 'k6/execution'
      export const options = { scenarios: { paced: {
        executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '1s', preAllocatedVUs: 6, maxVUs: 30,
      } } }
      export default function () { http.get('${target.url}/?vu=' + __VU + '&iter=' + exec.scenario.iterationInTest) }
    `
    seen.length = 0
    const prepared = await prepareScript('paced.js', { read: () => Promise.resolve(source) })
    if (prepared.value === undefined) throw new Error(JSON.stringify(prepared.diagnostics))
    const script = prepared.value
    const split = parts(3)
    const outcomes = await Promise.all(split.map(async (segment) => runScript(script, { segment })))
    // Each part starts its stripe's share of the 40 arrivals (14/13/13); one that found no free VU on a crowded
    // host is dropped, and counted as such.
    const started = outcomes.map((o) => count(o.result, 'iterations') + count(o.result, 'dropped_iterations'))
    expect(started).toEqual(split.map((t) => t.scale(40)))
    expect(started).toEqual([14, 13, 13])
    const iters = seen.map((s) => s.iter).sort((a, b) => a - b)
    expect(new Set(iters).size).toBe(iters.length)
    expect(iters.every((i) => Number.isInteger(i) && i >= 0 && i < 40)).toBe(true)
    expect(iters.length).toBe(outcomes.reduce((n, o) => n + count(o.result, 'iterations'), 0))
    // Each part numbers its VUs by its stripe of the VU numbers, never the same number twice.
    const vusByPart = split.map((t) => new Set(Array.from({ length: t.scale(30) }, (_, k) => t.globalIndex(k) + 1)))
    for (const { vu } of seen) expect(vusByPart.filter((set) => set.has(vu))).toHaveLength(1)
  })

  it('per-vu-iterations: 2 parts run 4 and 3 of 7 VUs, 21 iterations in all', async () => {
    const scenarios: ScenarioSpec[] = [
      { name: 'each', startTimeMs: 0, gracefulStopMs: 30_000, executor: 'per-vu-iterations', vus: 7, iterations: 3,
        maxDurationMs: 60_000 },
    ]
    const spec = testSpec({ scenarios, requests: [step(`${target.url}/`)] })
    const results = await Promise.all(parts(2).map(async (segment) => runTest(spec, { segment })))
    expect(results.map((r) => r.metrics.vus_max?.values.value)).toEqual([4, 3])
    expect(results.reduce((n, r) => n + count(r, 'iterations'), 0)).toBe(21)
  })

  it('a part that gets no VUs of a scenario skips it, and the others still run it all', async () => {
    const spec = testSpec({ scenarios: [shared(2, 9)], requests: [step(`${target.url}/`)] })
    const results = await Promise.all(parts(3).map(async (segment) => runTest(spec, { segment })))
    expect(results.map((r) => count(r, 'iterations'))).toEqual([5, 4, 0])
  })
})
