/**
 * A load test after parsing and validation: every duration in ms, every default filled in, k6's option
 * shortcuts (`vus`+`duration`, `stages`, `iterations`) turned into explicit scenarios.
 */
export interface TestSpec {
  scenarios: ScenarioSpec[]
  /** The steps of one iteration, run in order by each VU. */
  requests: RequestStep[]
  /** Think time after each iteration. */
  sleepMs: number
  thresholds: ThresholdSpec[]
  insecureSkipTLSVerify: boolean
  /** Redirects followed per request (k6's `maxRedirects`, default 10). */
  maxRedirects: number
  userAgent: string
  /** Trend stats shown in summaries, k6 syntax: `avg`, `min`, `med`, `max`, `p(N)`. */
  summaryTrendStats: string[]
}

/** One HTTP request of an iteration. */
export interface RequestStep {
  /** Stable name, used as the `name` tag (defaults to the URL, as in k6). */
  name: string
  /** Upper-case HTTP method. */
  method: string
  /** Absolute http:// or https:// URL. */
  url: string
  /** Header names lower-cased. */
  headers: Record<string, string>
  /**
   * Lower-cased names of headers (in `headers`) whose values are secret: sent with the request, but never written
   * into a script file, a result, a summary or a log.
   */
  secretHeaderNames?: string[]
  /** Request body as sent; JSON bodies are already serialised (and content-type set). */
  body?: string
  /** Statuses counted as success; null means k6's default (200–399). */
  expectStatus: number[] | null
  timeoutMs: number
}

interface ScenarioBase {
  /** Scenario name (`default` for the option shortcuts). */
  name: string
  /** Delay from the test start before this scenario begins. */
  startTimeMs: number
  /** How long running iterations may finish after the scenario's end before they are interrupted. */
  gracefulStopMs: number
}

/** A fixed number of VUs looping for a duration. */
export interface ConstantVusScenario extends ScenarioBase {
  executor: 'constant-vus'
  vus: number
  durationMs: number
}

/** VUs ramped linearly through stages. */
export interface RampingVusScenario extends ScenarioBase {
  executor: 'ramping-vus'
  startVUs: number
  stages: Array<{ durationMs: number, target: number }>
  /** Time given to iterations of VUs removed during a ramp-down. */
  gracefulRampDownMs: number
}

/** Each VU runs exactly `iterations` iterations. */
export interface PerVuIterationsScenario extends ScenarioBase {
  executor: 'per-vu-iterations'
  vus: number
  iterations: number
  maxDurationMs: number
}

/** `iterations` iterations shared among the VUs (k6's meaning of the `iterations` shortcut). */
export interface SharedIterationsScenario extends ScenarioBase {
  executor: 'shared-iterations'
  vus: number
  iterations: number
  maxDurationMs: number
}

/** Open model: iterations start at a fixed rate whatever the response times; late ones are dropped. */
export interface ConstantArrivalRateScenario extends ScenarioBase {
  executor: 'constant-arrival-rate'
  /** Iterations started per `timeUnitMs`. */
  rate: number
  timeUnitMs: number
  durationMs: number
  preAllocatedVUs: number
  maxVUs: number
}

/** Open model with a changing rate: the iteration rate moves linearly through the stages (per `timeUnitMs`). */
export interface RampingArrivalRateScenario extends ScenarioBase {
  executor: 'ramping-arrival-rate'
  /** Iterations per `timeUnitMs` at the start. */
  startRate: number
  timeUnitMs: number
  /** Each stage moves the rate linearly to its `target` (iterations per `timeUnitMs`). */
  stages: Array<{ durationMs: number, target: number }>
  preAllocatedVUs: number
  maxVUs: number
}

export type ScenarioSpec =
  | ConstantVusScenario
  | RampingVusScenario
  | PerVuIterationsScenario
  | SharedIterationsScenario
  | ConstantArrivalRateScenario
  | RampingArrivalRateScenario

/** One threshold expression, e.g. `p(95)<500` on `http_req_duration`. */
export interface ThresholdSpec {
  /** Metric name, optionally with a tag filter as in k6: `http_req_duration{name:home}`. */
  metric: string
  /** The expression as written: `p(95)<500`, `rate<0.01`, `count>100`. */
  expression: string
  abortOnFail: boolean
  /** With abortOnFail: how long after the start before the threshold may abort the test. */
  delayAbortEvalMs: number
}
