import type { RequestStep } from '@loadfleet/core'
import type { HttpRequestSpec } from '../http/types.js'
import type { MetricsRegistry, SampleOrigin } from '../metrics/index.js'
import { checkName } from '../k6/generate-script.js'

/** k6's default expected statuses: 200–399 are successes. */
const DEFAULT_EXPECTED_MIN = 200
const DEFAULT_EXPECTED_MAX = 399
const STATUS_SLOTS = 1000

/** A request step made ready once per run: the request object the client caches, a status lookup table. */
export interface PreparedStep {
  request: HttpRequestSpec
  origin: SampleOrigin
  /** 1 at index `status` when that status counts as success. */
  expected: Uint8Array
  /** Index of the step's check in the metrics (a step with `expect.status` is a check), or -1. */
  checkIndex: number
}

/** Turns the spec's steps into prepared ones; one array shared by every VU of the run. */
export function prepareSteps (steps: readonly RequestStep[],
  options: { scenario: string, maxRedirects: number, metrics: MetricsRegistry }): PreparedStep[] {
  const encoder = new TextEncoder()
  return steps.map((step) => {
    const expected = new Uint8Array(STATUS_SLOTS)
    if (step.expectStatus === null) expected.fill(1, DEFAULT_EXPECTED_MIN, DEFAULT_EXPECTED_MAX + 1)
    else for (const status of step.expectStatus) if (status >= 0 && status < STATUS_SLOTS) expected[status] = 1
    const request: HttpRequestSpec = {
      method: step.method,
      url: new URL(step.url),
      headers: step.headers,
      timeoutMs: step.timeoutMs,
      maxRedirects: options.maxRedirects,
    }
    if (step.body !== undefined) request.body = encoder.encode(step.body)
    return {
      request,
      origin: { name: step.name, method: step.method, scenario: options.scenario },
      expected,
      // Named as the k6 script names it, so both engines' results list the same checks.
      checkIndex: step.expectStatus === null ? -1 : options.metrics.checkIndex(checkName(step)),
    }
  })
}

/** Whether a hop's status counts as success for this step (transport failures never do). */
export function isExpected (step: PreparedStep, status: number): boolean {
  return status > 0 && status < STATUS_SLOTS && step.expected[status] === 1
}
