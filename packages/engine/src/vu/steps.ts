import type { RequestStep } from '@loadfleet/core'
import type { HttpRequestSpec } from '../http/types.js'
import type { SampleOrigin } from '../metrics/index.js'

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
  /** True when the step declared `expect.status`, which makes it a check. */
  isCheck: boolean
}

/** Turns the spec's steps into prepared ones; one array shared by every VU of the run. */
export function prepareSteps (steps: readonly RequestStep[], options: { scenario: string, maxRedirects: number }):
PreparedStep[] {
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
      isCheck: step.expectStatus !== null,
    }
  })
}

/** Whether a hop's status counts as success for this step (transport failures never do). */
export function isExpected (step: PreparedStep, status: number): boolean {
  return status > 0 && status < STATUS_SLOTS && step.expected[status] === 1
}
