import type { MetricType } from '@loadfleet/core'
import type { CustomMetric } from '../../metrics/index.js'
import { ScriptFailure, TestAborted, text } from './vu-state.js'
import type { ScriptVuState } from './vu-state.js'

/** k6's rule for metric names. */
const METRIC_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/

function isThenable (value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** Builds one VU's `k6` module: check, group, sleep, fail, randomSeed. */
export function createK6Module (vu: ScriptVuState): Record<string, unknown> {
  let groupDuration: CustomMetric | undefined
  const mod: Record<string, unknown> = {
    check: (value: unknown, sets: Record<string, unknown>, tags?: Record<string, unknown>): boolean => {
      vu.ensureRunning()
      let all = true
      const metrics = vu.run.metrics
      const own = Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k, text(v)]))
      const sampleTags = { ...vu.scenarioTags, scenario: vu.scenario, ...vu.tags, ...own }
      for (const [name, predicate] of Object.entries(sets ?? {})) {
        const result = typeof predicate === 'function' ? (predicate as (v: unknown) => unknown)(value) : predicate
        if (isThenable(result)) throw new Error(`check '${name}': a check predicate cannot make requests or sleep`)
        const passed = Boolean(result)
        all &&= passed
        metrics?.recordCheck(metrics.checkIndex(name, vu.groupPath), passed, sampleTags)
      }
      return all
    },
    group: async (name: unknown, fn: unknown): Promise<unknown> => {
      vu.ensureRunning()
      if (typeof fn !== 'function') throw new TypeError('group() needs a function as its second argument')
      const parent = vu.groupPath
      const path = `${parent}::${String(name)}`
      vu.groupPath = path
      vu.run.metrics?.noteGroup(path)
      const startedAt = performance.now()
      try {
        return await (fn as () => unknown)()
      } finally {
        vu.groupPath = parent
        const metrics = vu.run.metrics
        if (metrics !== undefined && !vu.interrupted) {
          groupDuration ??= metrics.customMetric('group_duration', 'trend', true) as CustomMetric
          groupDuration.add(performance.now() - startedAt, { group: path, scenario: vu.scenario })
        }
      }
    },
    sleep: async (seconds: unknown): Promise<void> => vu.sleep(Number(seconds) * 1000),
    fail: (message?: unknown): never => {
      throw new ScriptFailure(message === undefined ? 'fail' : text(message))
    },
    randomSeed: (seed: unknown): void => {
      Math.random = seededRandom(Number(seed))
    },
  }
  mod.default = mod
  return mod
}

/** mulberry32: small and fast; k6's randomSeed only promises repeatable values, not a given sequence. */
function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Builds one VU's `k6/metrics` module: Counter, Gauge, Rate and Trend, fed into the run's registry. */
export function createMetricsModule (vu: ScriptVuState): Record<string, unknown> {
  const make = (type: MetricType) => class {
    readonly name: string
    readonly #metric: CustomMetric | undefined

    constructor (name: unknown, isTime?: unknown) {
      this.name = String(name)
      if (!METRIC_NAME_RE.test(this.name)) {
        throw new Error(`invalid metric name '${this.name}': letters, digits and _ only, at most 128, not starting with a digit`)
      }
      const metric = vu.run.metrics?.customMetric(this.name, type, type === 'trend' && isTime === true)
      if (typeof metric === 'string') throw new Error(metric)
      this.#metric = metric
    }

    add (value: unknown, tags?: Record<string, unknown>): boolean {
      vu.ensureRunning()
      const n = typeof value === 'boolean' ? (value ? 1 : 0) : Number(value)
      if (Number.isNaN(n)) throw new Error(`${this.name}.add: '${String(value)}' is not a number`)
      if (type === 'counter' && n < 0) throw new Error(`${this.name}.add: a Counter cannot go down`)
      this.#metric?.add(n, { ...vu.scenarioTags, scenario: vu.scenario, group: vu.groupPath, ...vu.tags,
        ...Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k, String(v)])) })
      return true
    }
  }
  const mod: Record<string, unknown> = {
    Counter: make('counter'), Gauge: make('gauge'), Rate: make('rate'), Trend: make('trend'),
  }
  mod.default = mod
  return mod
}

/** Builds one VU's `k6/execution` module. */
export function createExecutionModule (vu: ScriptVuState, stats: ExecutionStats): Record<string, unknown> {
  const mod: Record<string, unknown> = {
    vu: {
      get idInTest () { return vu.idInTest },
      get idInInstance () { return vu.idInInstance },
      get iterationInInstance () { return vu.iterationInInstance },
      get iterationInScenario () { return vu.iterationInScenario },
      tags: vu.tags,
      metrics: { tags: vu.tags },
    },
    scenario: {
      get name () { return vu.scenario },
      get iterationInTest () { return vu.iterationInTest },
      get iterationInInstance () { return vu.iterationInScenario },
      get startTime () { return vu.run.startedAt },
    },
    instance: {
      get vusActive () { return stats.vusActive() },
      get vusInitialized () { return stats.vusInitialized() },
      get iterationsCompleted () { return vu.run.metrics?.iterations.count ?? 0 },
      get currentTestRunDuration () { return vu.run.startedAt === 0 ? 0 : Date.now() - vu.run.startedAt },
    },
    test: {
      abort: (reason?: unknown): never => {
        const why = reason === undefined ? 'test aborted' : text(reason)
        vu.run.abort(why)
        throw new TestAborted(why)
      },
      options: vu.run.options,
    },
  }
  mod.default = mod
  return mod
}

/** Run-wide counters k6/execution reports. */
export interface ExecutionStats {
  vusActive: () => number
  vusInitialized: () => number
}
