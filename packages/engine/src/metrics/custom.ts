import type { MetricSummary, MetricType } from '@loadfleet/core'
import { Trend } from './trend.js'
import { Counter, Gauge, Rate } from './simple.js'
import { splitSelector } from './submetrics.js'

/** One sink of a custom metric: the whole metric, or a tag-filtered view a threshold asked for. */
interface Sink {
  trend?: Trend
  counter?: Counter
  gauge?: Gauge
  rate?: Rate
}

function sinkOf (type: MetricType): Sink {
  switch (type) {
    case 'trend': return { trend: new Trend() }
    case 'counter': return { counter: new Counter() }
    case 'gauge': return { gauge: new Gauge() }
    case 'rate': return { rate: new Rate() }
  }
}

function addTo (sink: Sink, value: number): void {
  // Trends keep µs internally; a script's values (ms for time trends) are scaled so `statsMs` gives them back.
  sink.trend?.record(value * 1000)
  sink.counter?.add(value)
  sink.gauge?.set(value)
  sink.rate?.add(value !== 0)
}

function hasSamples (sink: Sink): boolean {
  if (sink.trend !== undefined) return sink.trend.count > 0
  if (sink.counter !== undefined) return sink.counter.count !== 0
  if (sink.gauge !== undefined) return sink.gauge.min !== Infinity
  return sink.rate !== undefined && sink.rate.passes + sink.rate.fails > 0
}

/**
 * A script's Counter, Gauge, Rate or Trend (k6/metrics). Sub-metrics exist only for the tag filters thresholds
 * name, as for the built-in metrics.
 */
export class CustomMetric {
  readonly name: string
  readonly type: MetricType
  readonly contains: MetricSummary['contains']
  readonly #all: Sink
  readonly #subs: Array<{ selector: string, tags: Array<[string, string]>, sink: Sink }> = []

  constructor (options: { name: string, type: MetricType, isTime: boolean, selectors: readonly string[] }) {
    this.name = options.name
    this.type = options.type
    this.contains = options.isTime ? 'time' : 'default'
    this.#all = sinkOf(options.type)
    for (const selector of options.selectors) {
      const split = splitSelector(selector)
      if (split?.metric !== options.name) continue
      this.#subs.push({ selector, tags: split.tags, sink: sinkOf(options.type) })
    }
  }

  add (value: number, tags: Readonly<Record<string, string>> | undefined): void {
    addTo(this.#all, value)
    for (const sub of this.#subs) {
      if (sub.tags.every(([k, v]) => tags?.[k] === v)) addTo(sub.sink, value)
    }
  }

  /** Selectors of this metric with samples: the metric itself and its sub-metrics. */
  selectors (): string[] {
    const out = hasSamples(this.#all) ? [this.name] : []
    for (const sub of this.#subs) if (hasSamples(sub.sink)) out.push(sub.selector)
    return out
  }

  trendOf (selector: string): Trend | undefined {
    return this.#sinkOf(selector)?.trend
  }

  summaryOf (selector: string, trendStats: readonly string[], durationMs: number): MetricSummary | undefined {
    const sink = this.#sinkOf(selector)
    if (sink === undefined) return undefined
    const values = sink.trend?.statsMs(trendStats) ?? sink.counter?.values(durationMs) ?? sink.gauge?.values() ??
      sink.rate?.values() ?? {}
    return { type: this.type, contains: this.contains, values }
  }

  /** Whether the selector's sink has samples; thresholds on an empty one are skipped, as in k6. */
  sampled (selector: string): boolean {
    const sink = this.#sinkOf(selector)
    return sink !== undefined && hasSamples(sink)
  }

  destroy (): void {
    this.#all.trend?.destroy()
    for (const sub of this.#subs) sub.sink.trend?.destroy()
  }

  #sinkOf (selector: string): Sink | undefined {
    if (selector === this.name) return this.#all
    return this.#subs.find((s) => s.selector === selector)?.sink
  }
}
