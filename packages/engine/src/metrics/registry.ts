import { ERROR_KINDS } from '@loadfleet/core'
import type { CheckResult, ErrorKind, MetricSummary, MetricType } from '@loadfleet/core'
import { CustomMetric } from './custom.js'
import { Trend } from './trend.js'
import { Counter, Gauge, Rate } from './simple.js'
import { HTTP_TRENDS, HttpSubMetric, splitSelector } from './submetrics.js'
import type { HttpTags, HttpTrendName } from './submetrics.js'
import type { HttpSample } from '../http/types.js'

/** One HTTP exchange (one redirect hop) as metrics see it; tests may tag it with a URL object. */
export type HopSample = Omit<HttpSample, 'url'> & { url: string | URL }

/** Where a sample came from: the step's name and method, and the scenario. */
export interface SampleOrigin {
  name: string
  method: string
  scenario: string
  /** A script's other tags on the request (its `tags` param, group, VU and scenario tags). */
  tags?: Readonly<Record<string, string>>
}

const EXPECTED_SELECTOR = 'http_req_duration{expected_response:true}'
const TIME_TRENDS = new Set<string>([...HTTP_TRENDS, 'iteration_duration', EXPECTED_SELECTOR])
/** HTTP statuses are three digits; a flat array indexed by status counts them without hashing. */
const STATUS_SLOTS = 1000

/**
 * Every metric of one run, with k6's names and meanings. The record methods are the hot path: they never throw
 * and allocate nothing unless a threshold asked for a tag-filtered sub-metric.
 */
export class MetricsRegistry {
  readonly #trends = new Map<string, Trend>()
  readonly #http: Trend[]
  readonly #expectedDuration = new Trend()
  readonly #iterationDuration = new Trend()
  readonly httpReqs = new Counter()
  readonly iterations = new Counter()
  readonly dataSent = new Counter()
  readonly dataReceived = new Counter()
  readonly droppedIterations = new Counter()
  readonly httpReqFailed = new Rate()
  readonly checks = new Rate()
  readonly vus = new Gauge()
  readonly vusMax = new Gauge()
  readonly #statuses = new Float64Array(STATUS_SLOTS)
  readonly #errorKinds = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>
  readonly #subMetrics: HttpSubMetric[] = []
  readonly #checks: CheckResult[] = []
  readonly #custom = new Map<string, CustomMetric>()
  readonly #groups = new Set<string>()
  /** `checks{…}` sub-metrics thresholds asked for: each check sample is tagged `check`, `group` and a script's tags. */
  readonly #checkSubs: Array<{ selector: string, tags: Array<[string, string]>, rate: Rate }> = []
  readonly #selectors: readonly string[]
  readonly #tags: HttpTags = { name: '', method: '', status: '', url: '', expected_response: '', error_kind: '', scenario: '' }

  /** `selectors`: metric selectors thresholds use; those with a tag filter get a sub-metric. */
  constructor (selectors: readonly string[] = []) {
    this.#selectors = selectors
    this.#http = HTTP_TRENDS.map((name) => {
      const t = new Trend()
      this.#trends.set(name, t)
      return t
    })
    this.#trends.set(EXPECTED_SELECTOR, this.#expectedDuration)
    this.#trends.set('iteration_duration', this.#iterationDuration)
    for (const selector of new Set(selectors)) {
      const split = splitSelector(selector)
      if (split?.metric === 'checks') {
        this.#checkSubs.push({ selector, tags: split.tags, rate: new Rate() })
        continue
      }
      if (split === undefined || selector === EXPECTED_SELECTOR || !HttpSubMetric.supports(split.metric)) continue
      this.#subMetrics.push(new HttpSubMetric(selector, split.metric, split.tags))
    }
  }

  /** Hot path, once per HTTP exchange (each redirect hop is one). `expected`: the status counts as success. */
  recordHttp (s: HopSample, expected: boolean, origin: SampleOrigin): void {
    const h = this.#http
    h[0]?.record(s.durationUs)
    h[1]?.record(s.waitingUs)
    h[2]?.record(s.connectingUs)
    h[3]?.record(s.tlsHandshakingUs)
    h[4]?.record(s.sendingUs)
    h[5]?.record(s.receivingUs)
    h[6]?.record(s.blockedUs)
    if (expected) this.#expectedDuration.record(s.durationUs)
    this.httpReqs.count++
    this.dataSent.count += s.bytesSent
    this.dataReceived.count += s.bytesReceived
    this.httpReqFailed.add(!expected)
    if (s.errorKind !== null) {
      this.#errorKinds[s.errorKind]++
    } else if (s.status > 0 && s.status < STATUS_SLOTS) {
      this.#statuses[s.status] = (this.#statuses[s.status] ?? 0) + 1
    }
    if (this.#subMetrics.length > 0) this.#recordSub(s, expected, origin)
  }

  #recordSub (s: HopSample, expected: boolean, origin: SampleOrigin): void {
    const tags = this.#tags
    tags.name = origin.name
    tags.method = origin.method
    tags.scenario = origin.scenario
    tags.status = String(s.status)
    tags.url = String(s.url)
    tags.expected_response = expected ? 'true' : 'false'
    tags.error_kind = s.errorKind ?? ''
    for (const sub of this.#subMetrics) {
      if (!sub.matches(tags, origin.tags)) continue
      if (sub.trend !== undefined) sub.trend.record(hopValue(s, sub.metric as HttpTrendName))
      else if (sub.rate !== undefined) sub.rate.add(!expected)
      else if (sub.counter !== undefined) {
        sub.counter.count += sub.metric === 'http_reqs' ? 1 : sub.metric === 'data_sent' ? s.bytesSent : s.bytesReceived
      }
    }
  }

  /** One completed iteration (interrupted ones are never recorded, as in k6). */
  recordIteration (durationUs: number): void {
    this.iterations.count++
    this.#iterationDuration.record(durationUs)
  }

  /**
   * The index of the named check for `recordCheck`; checks with the same name in the same group are one check, as
   * in k6. `group` is k6's group path (`::outer::inner`), '' for the root group.
   */
  checkIndex (name: string, group = ''): number {
    const at = this.#checks.findIndex((c) => c.name === name && (c.group ?? '') === group)
    if (at !== -1) return at
    this.#checks.push(group === '' ? { name, passes: 0, fails: 0 } : { name, group, passes: 0, fails: 0 })
    return this.#checks.length - 1
  }

  /** A group a script entered (k6's path, `::outer::inner`), so the summary lists it even without checks. */
  noteGroup (path: string): void {
    this.#groups.add(path)
  }

  /** Group paths in the order first entered. */
  groups (): string[] {
    return [...this.#groups]
  }

  /**
   * A script's custom metric (k6/metrics); asking again for a name returns the same metric. A clash with a
   * built-in metric or another type is returned as a message, as k6 refuses it.
   */
  customMetric (name: string, type: MetricType, isTime: boolean): CustomMetric | string {
    const existing = this.#custom.get(name)
    if (existing !== undefined) {
      return existing.type === type ? existing : `metric '${name}' already exists as a ${existing.type}`
    }
    if (this.#simple(name) !== undefined || this.#trends.has(name)) return `'${name}' is a built-in metric`
    const metric = new CustomMetric({ name, type, isTime, selectors: this.#selectors })
    this.#custom.set(name, metric)
    return metric
  }

  #customOf (selector: string): CustomMetric | undefined {
    return this.#custom.get(splitSelector(selector)?.metric ?? selector)
  }

  /** `tags`: a script's tags on the check (its own, the VU's and the scenario's), for `checks{…}` thresholds. */
  recordCheck (index: number, passed: boolean, tags?: Readonly<Record<string, string>>): void {
    this.checks.add(passed)
    const check = this.#checks[index]
    if (check === undefined) return
    for (const sub of this.#checkSubs) {
      const matches = sub.tags.every(([k, v]) =>
        (k === 'check' ? check.name : k === 'group' ? check.group ?? '' : tags?.[k]) === v)
      if (matches) sub.rate.add(passed)
    }
    if (passed) check.passes++
    else check.fails++
  }

  /** Per-check counts, in the order the checks were declared. */
  checkResults (): CheckResult[] {
    return this.#checks.map((c) => ({ ...c }))
  }

  /** Samples the VU gauges: `active` VUs running iterations, `vusMax` VUs initialised (k6's `vus_max`). */
  sampleVus (active: number, vusMax: number): void {
    this.vus.set(active)
    this.vusMax.set(vusMax)
  }

  /** Responses per HTTP status code; transport failures are in `errorKinds()`. */
  statusCodes (): Record<string, number> {
    const out: Record<string, number> = {}
    for (let status = 0; status < STATUS_SLOTS; status++) {
      const n = this.#statuses[status] ?? 0
      if (n > 0) out[String(status)] = n
    }
    return out
  }

  errorKinds (): Partial<Record<ErrorKind, number>> {
    const out: Partial<Record<ErrorKind, number>> = {}
    for (const kind of ERROR_KINDS) if (this.#errorKinds[kind] > 0) out[kind] = this.#errorKinds[kind]
    return out
  }

  /** The trend behind a name or selector (`http_req_duration`, `…{expected_response:true}`, sub-metrics). */
  trend (selector: string): Trend | undefined {
    return this.#trends.get(selector) ?? this.#subMetrics.find((s) => s.selector === selector)?.trend ??
      this.#customOf(selector)?.trendOf(selector)
  }

  /**
   * One metric's k6 summary values, or undefined for an unknown metric or an unsupported tag filter.
   * `trendStats` are the trend stats to compute (`avg`, `p(95)` …); `durationMs` gives counters their rate.
   */
  summaryOf (selector: string, trendStats: readonly string[], durationMs: number): MetricSummary | undefined {
    const custom = this.#customOf(selector)
    if (custom !== undefined) return custom.summaryOf(selector, trendStats, durationMs)
    const trend = this.trend(selector)
    if (trend !== undefined) {
      return { type: 'trend', contains: TIME_TRENDS.has(selector) || isTimeSub(selector) ? 'time' : 'default',
        values: trend.statsMs(trendStats) }
    }
    const simple = this.#simple(selector)
    if (simple !== undefined) return { ...simple, values: simple.values(durationMs) }
    const checkSub = this.#checkSubs.find((s) => s.selector === selector)
    if (checkSub !== undefined) return { type: 'rate', contains: 'default', values: checkSub.rate.values() }
    const sub = this.#subMetrics.find((s) => s.selector === selector)
    if (sub?.rate !== undefined) return { type: 'rate', contains: 'default', values: sub.rate.values() }
    if (sub?.counter !== undefined) {
      return { type: 'counter', contains: sub.metric === 'http_reqs' ? 'default' : 'data',
        values: sub.counter.values(durationMs) }
    }
    return undefined
  }

  #simple (name: string): Pick<MetricSummary, 'type' | 'contains'> & { values: (ms: number) => Record<string, number> } |
    undefined {
    const counter = (c: Counter, contains: MetricSummary['contains']) =>
      ({ type: 'counter' as const, contains, values: (ms: number) => c.values(ms) })
    switch (name) {
      case 'http_reqs': return counter(this.httpReqs, 'default')
      case 'iterations': return counter(this.iterations, 'default')
      case 'dropped_iterations': return counter(this.droppedIterations, 'default')
      case 'data_sent': return counter(this.dataSent, 'data')
      case 'data_received': return counter(this.dataReceived, 'data')
      case 'http_req_failed': return { type: 'rate', contains: 'default', values: () => this.httpReqFailed.values() }
      case 'checks': return { type: 'rate', contains: 'default', values: () => this.checks.values() }
      case 'vus': return { type: 'gauge', contains: 'default', values: () => this.vus.values() }
      case 'vus_max': return { type: 'gauge', contains: 'default', values: () => this.vusMax.values() }
    }
    return undefined
  }

  /**
   * One aggregation of a metric or sub-metric for thresholds (k6 units: ms for time trends), or undefined while it
   * has no samples, so that its thresholds are skipped as in k6.
   */
  statValue (selector: string, stat: string, durationMs: number): number | undefined {
    const custom = this.#customOf(selector)
    if (custom !== undefined && !custom.sampled(selector)) return undefined
    const trend = this.trend(selector)
    if (trend !== undefined) return trend.count === 0 ? undefined : trend.statsMs([stat])[stat]
    const summary = this.summaryOf(selector, [], durationMs)
    if (summary === undefined || !hasSamples(summary)) return undefined
    return summary.values[stat]
  }

  /** Every metric that received samples (k6 leaves the others out), plus the threshold sub-metrics. */
  summaries (trendStats: readonly string[], durationMs: number): Record<string, MetricSummary> {
    const names: string[] = ['vus', 'vus_max']
    if (this.httpReqs.count > 0) {
      names.push(...HTTP_TRENDS, 'http_req_failed', 'http_reqs', 'data_sent', 'data_received')
      if (this.#expectedDuration.count > 0) names.push(EXPECTED_SELECTOR)
    }
    if (this.iterations.count > 0) names.push('iterations', 'iteration_duration')
    if (this.droppedIterations.count > 0) names.push('dropped_iterations')
    if (this.checks.passes + this.checks.fails > 0) names.push('checks')
    names.push(...this.#subMetrics.map((s) => s.selector))
    names.push(...this.#checkSubs.filter((s) => s.rate.passes + s.rate.fails > 0).map((s) => s.selector))
    for (const custom of this.#custom.values()) names.push(...custom.selectors())
    const out: Record<string, MetricSummary> = {}
    for (const name of names) {
      const summary = this.summaryOf(name, trendStats, durationMs)
      if (summary !== undefined) out[name] = summary
    }
    return out
  }

  /** Compressed HdrHistograms (µs) of every trend that received samples, keyed by metric name or selector. */
  histograms (): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [name, trend] of this.#trends) if (trend.count > 0) out[name] = trend.encode()
    for (const sub of this.#subMetrics) {
      if (sub.trend !== undefined && sub.trend.count > 0) out[sub.selector] = sub.trend.encode()
    }
    return out
  }

  /** Frees the histograms' WebAssembly memory. */
  destroy (): void {
    for (const trend of this.#trends.values()) trend.destroy()
    for (const sub of this.#subMetrics) sub.destroy()
    for (const custom of this.#custom.values()) custom.destroy()
  }
}

function hopValue (s: HopSample, metric: HttpTrendName): number {
  switch (metric) {
    case 'http_req_duration': return s.durationUs
    case 'http_req_waiting': return s.waitingUs
    case 'http_req_connecting': return s.connectingUs
    case 'http_req_tls_handshaking': return s.tlsHandshakingUs
    case 'http_req_sending': return s.sendingUs
    case 'http_req_receiving': return s.receivingUs
    case 'http_req_blocked': return s.blockedUs
  }
}

function isTimeSub (selector: string): boolean {
  return HTTP_TRENDS.some((name) => selector.startsWith(`${name}{`))
}

function hasSamples ({ type, values }: MetricSummary): boolean {
  switch (type) {
    case 'counter': return (values.count ?? 0) > 0
    case 'rate': return (values.passes ?? 0) + (values.fails ?? 0) > 0
    default: return true
  }
}
