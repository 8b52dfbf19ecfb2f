import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTest } from '@loadfleet/engine'
import type { ScenarioSpec } from '@loadfleet/core'
import { reply, startTarget } from './helpers/target.js'
import type { Target } from './helpers/target.js'
import { constantVus, perVu, shared, step, testSpec } from './helpers/spec.js'

let fast: Target
let slow: Target
const arrivalsMs: number[] = []

beforeAll(async () => {
  fast = await startTarget((_req, res) => reply(res, 200, 'ok'))
  slow = await startTarget((req, res) => {
    arrivalsMs.push(performance.now())
    reply(res, 200, 'slow', Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 200))
  })
})
afterAll(async () => {
  await fast.close()
  await slow.close()
})

describe('iteration-count executors', () => {
  it('per-vu-iterations runs exactly vus × iterations, every step each time', async () => {
    const before = fast.requests
    const result = await runTest(testSpec({
      scenarios: [perVu(5, 7)],
      requests: [step(`${fast.url}/a`), step(`${fast.url}/b`)],
    }))
    expect(result.outcome).toBe('passed')
    expect(result.metrics.iterations?.values.count).toBe(35)
    expect(result.metrics.http_reqs?.values.count).toBe(70)
    expect(fast.requests - before).toBe(70)
    expect(result.statusCodes).toEqual({ 200: 70 })
    expect(result.metrics.vus_max?.values).toEqual({ value: 5, min: 5, max: 5 }) // allocated up front, as in k6
    expect(result.interruptedIterations).toBe(0)
  })

  it('shared-iterations shares exactly `iterations` among the VUs', async () => {
    const before = fast.requests
    const result = await runTest(testSpec({ scenarios: [shared(4, 23)], requests: [step(`${fast.url}/`)] }))
    expect(result.metrics.iterations?.values.count).toBe(23)
    expect(fast.requests - before).toBe(23)
  })
})

describe('constant-arrival-rate', () => {
  const car = (maxVUs: number): ScenarioSpec => ({
    name: 'open', executor: 'constant-arrival-rate', startTimeMs: 0, gracefulStopMs: 5_000,
    rate: 40, timeUnitMs: 1000, durationMs: 2000, preAllocatedVUs: 2, maxVUs,
  })

  it('keeps its rate when the server is slow, growing VUs up to maxVUs', async () => {
    const before = slow.requests
    arrivalsMs.length = 0
    const started = performance.now()
    const result = await runTest(testSpec({ scenarios: [car(30)], requests: [step(`${slow.url}/?ms=250`)] }))
    const wallMs = performance.now() - started
    // On schedule whatever the response times: 25 ms apart, so the last one starts about 1975 ms after the first.
    const span = (arrivalsMs.at(-1) ?? 0) - (arrivalsMs[0] ?? 0)
    expect(span).toBeGreaterThan(1_975 - 100)
    expect(span).toBeLessThan(1_975 + 100)
    const firstSecond = arrivalsMs.filter((t) => t - (arrivalsMs[0] ?? 0) < 1_000).length
    expect(Math.abs(firstSecond - 40)).toBeLessThanOrEqual(3)
    // 40/s for 2 s = 80 iterations, each 250 ms long: about 10 in flight, so more VUs than pre-allocated.
    expect(result.metrics.iterations?.values.count).toBe(80)
    expect(slow.requests - before).toBe(80)
    expect(result.metrics.dropped_iterations).toBeUndefined()
    expect(result.metrics.vus_max?.values.max).toBeGreaterThan(2)
    expect(result.metrics.vus_max?.values.max).toBeLessThanOrEqual(30)
    expect(wallMs).toBeLessThan(2_000 + 250 + 1_000)
  })

  it('counts dropped_iterations when maxVUs is too low', async () => {
    const result = await runTest(testSpec({ scenarios: [car(3)], requests: [step(`${slow.url}/?ms=250`)] }))
    const done = result.metrics.iterations?.values.count ?? 0
    const dropped = result.metrics.dropped_iterations?.values.count ?? 0
    // 3 VUs × 250 ms ⇒ at most 12 iterations/s of the 40 asked; the rest are dropped, none lost.
    expect(done + dropped).toBe(80)
    expect(done).toBeLessThanOrEqual(3 * 9)
    expect(dropped).toBeGreaterThanOrEqual(80 - 3 * 9)
  })
})

describe('ramping-vus', () => {
  it('reaches each stage target and comes back down', async () => {
    const seen: Array<{ atMs: number, vus: number }> = []
    const scenario: ScenarioSpec = {
      name: 'ramp', executor: 'ramping-vus', startTimeMs: 0, gracefulStopMs: 1_000, gracefulRampDownMs: 1_000,
      startVUs: 0,
      stages: [{ durationMs: 600, target: 6 }, { durationMs: 600, target: 6 }, { durationMs: 400, target: 2 }],
    }
    const result = await runTest(testSpec({ scenarios: [scenario], requests: [step(`${slow.url}/?ms=20`)] }),
      { onProgress: (p) => seen.push({ atMs: p.elapsedMs, vus: p.vus }), progressIntervalMs: 100 })
    const during = (from: number, to: number): number[] =>
      seen.filter((p) => p.atMs >= from && p.atMs < to).map((p) => p.vus)
    expect(Math.max(...seen.map((p) => p.vus))).toBe(6)
    expect(during(0, 150).every((v) => v <= 1)).toBe(true)
    expect(during(700, 1_150).every((v) => v === 6)).toBe(true) // held at 6 between 0.6 s and 1.2 s
    expect(during(700, 1_150).length).toBeGreaterThan(1)
    expect(during(1_450, 10_000).every((v) => v <= 4)).toBe(true) // ramping down to 2 by 1.6 s
    expect(result.metrics.vus_max?.values.max).toBeLessThanOrEqual(6)
    expect(result.metrics.iterations?.values.count).toBeGreaterThan(50)
  })
})

describe('gracefulRampDown', () => {
  const rampDown = (gracefulRampDownMs: number): ScenarioSpec => ({
    name: 'down', executor: 'ramping-vus', startTimeMs: 0, gracefulStopMs: 5_000, gracefulRampDownMs, startVUs: 2,
    stages: [{ durationMs: 300, target: 2 }, { durationMs: 0, target: 0 }, { durationMs: 1_500, target: 0 }],
  })

  it('interrupts iterations of removed VUs after gracefulRampDown, uncounted', async () => {
    const result = await runTest(testSpec({ scenarios: [rampDown(200)], requests: [step(`${slow.url}/?ms=1000`)] }))
    expect(result.metrics.iterations).toBeUndefined()
  })

  it('lets removed VUs finish the iteration they are in, and start no other', async () => {
    const result = await runTest(testSpec({ scenarios: [rampDown(2_000)], requests: [step(`${slow.url}/?ms=1000`)] }))
    expect(result.metrics.iterations?.values.count).toBe(2)
  })
})

describe('gracefulStop', () => {
  it('interrupts iterations still running after gracefulStop and does not count them', async () => {
    const started = performance.now()
    const result = await runTest(testSpec({
      scenarios: [constantVus(2, 300, { gracefulStopMs: 200 })],
      requests: [step(`${slow.url}/?ms=1500`)],
    }))
    expect(performance.now() - started).toBeLessThan(1_200)
    expect(result.metrics.iterations).toBeUndefined()
    expect(result.metrics.http_reqs).toBeUndefined()
    expect(result.interruptedIterations).toBe(2) // one cut-short iteration per VU, as k6's final line counts them
    expect(result.outcome).toBe('passed')
  })

  it('lets iterations finish within gracefulStop and counts them', async () => {
    const result = await runTest(testSpec({
      scenarios: [constantVus(2, 300, { gracefulStopMs: 2_000 })],
      requests: [step(`${slow.url}/?ms=600`)],
    }))
    expect(result.metrics.iterations?.values.count).toBe(2)
    expect(result.metrics.http_reqs?.values.count).toBe(2)
  })

  it('stops at once on the abort signal', async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 300)
    const started = performance.now()
    const result = await runTest(testSpec({ scenarios: [constantVus(3, 30_000)], requests: [step(`${slow.url}/?ms=50`)] }),
      { signal: ac.signal })
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(result.abortedBy).toBe('signal')
    expect(result.metrics.iterations?.values.count).toBeGreaterThan(3)
  })
})

describe('startTime', () => {
  it('starts a scenario after its startTime', async () => {
    const started = performance.now()
    const result = await runTest(testSpec({
      scenarios: [perVu(1, 1, { startTimeMs: 400 })], requests: [step(`${fast.url}/`)],
    }))
    expect(performance.now() - started).toBeGreaterThanOrEqual(400)
    expect(result.metrics.iterations?.values.count).toBe(1)
  })
})
