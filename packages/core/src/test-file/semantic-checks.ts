import type { Diagnostic } from '../diagnostic.js'

/** k6 options a Loadfleet test cannot use; named so the user learns it is k6's option, not a typo. */
const UNSUPPORTED_K6_OPTIONS = new Set([
  'batch', 'batchPerHost', 'blacklistIPs', 'blockHostnames', 'cloud', 'compatibilityMode', 'discardResponseBodies',
  'dns', 'executionSegment', 'executionSegmentSequence', 'ext', 'hosts', 'httpDebug', 'linger', 'localIPs',
  'minIterationDuration', 'noConnectionReuse', 'noCookiesReset', 'noSetup', 'noTeardown', 'noUsageReport',
  'noVUConnectionReuse', 'paused', 'rps', 'setupTimeout', 'summaryTimeUnit', 'systemTags', 'tags',
  'teardownTimeout', 'throw', 'tlsAuth', 'tlsCipherSuites', 'tlsVersion', 'console', 'address', 'out',
])

const CODE = 'LF_TEST_INVALID'

/** Message for an unknown key, telling k6 options we don't support apart from plain typos. */
export function unknownKeyMessage (key: string, path: readonly PropertyKey[], allowed: readonly string[]): string {
  if (path.length === 1 && path[0] === 'options' && UNSUPPORTED_K6_OPTIONS.has(key)) {
    return `'${key}' is a k6 option Loadfleet does not support`
  }
  if (path.length === 1 && path[0] === 'options' && key === 'gracefulStop') {
    return "'gracefulStop' is set per scenario in k6: move it into options.scenarios.<name>"
  }
  if (path.length === 3 && path[1] === 'scenarios' && ['exec', 'env', 'tags'].includes(key)) {
    return `scenario option '${key}' is not supported (a Loadfleet test has one request flow and no scripts)`
  }
  return `unknown option '${key}'; allowed here: ${allowed.join(', ')}`
}

function isRecord (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function error (path: string, message: string): Diagnostic {
  return { severity: 'error', code: CODE, path, message }
}

/**
 * Cross-field rules k6 enforces (conflicting shortcuts, iterations vs VUs), checked on the raw input so they are
 * reported together with schema problems; each rule looks only at fields of the right type.
 */
export function checkSemantics (input: unknown): Diagnostic[] {
  if (!isRecord(input)) return []
  const diagnostics: Diagnostic[] = []
  const options = isRecord(input.options) ? input.options : {}
  const has = (key: string) => options[key] !== undefined
  if (has('scenarios')) {
    for (const key of ['vus', 'duration', 'iterations', 'stages'].filter(has)) {
      diagnostics.push(error(`options.${key}`,
        `using the '${key}' shortcut together with 'scenarios' is not allowed (as in k6); set it inside a scenario`))
    }
  } else {
    if (has('duration') && has('stages')) {
      diagnostics.push(error('options.stages', "'duration' and 'stages' cannot be used together (as in k6): remove one"))
    }
    if (has('iterations') && has('stages')) {
      diagnostics.push(error('options.stages', "'iterations' and 'stages' cannot be used together (as in k6): remove one"))
    }
    if (options.vus === 0 && !has('stages')) {
      diagnostics.push(error('options.vus', 'expected at least 1 VU (0 is only allowed as the start of stages)'))
    }
    checkIterationsVsVus(options, 'options', diagnostics)
  }
  if (isRecord(options.scenarios)) {
    for (const [name, sc] of Object.entries(options.scenarios)) {
      if (!isRecord(sc)) continue
      if (sc.executor === 'shared-iterations') checkIterationsVsVus(sc, `options.scenarios.${name}`, diagnostics)
      const { maxVUs, preAllocatedVUs } = sc
      if (typeof maxVUs === 'number' && typeof preAllocatedVUs === 'number' && maxVUs < preAllocatedVUs) {
        diagnostics.push(error(`options.scenarios.${name}.maxVUs`,
          `maxVUs (${maxVUs}) can't be less than preAllocatedVUs (${preAllocatedVUs})`))
      }
    }
    if (Object.keys(options.scenarios).length === 0) {
      diagnostics.push(error('options.scenarios', 'expected at least one scenario'))
    }
  }
  checkRequestBodies(input.requests, diagnostics)
  return diagnostics
}

function checkIterationsVsVus (o: Record<string, unknown>, path: string, diagnostics: Diagnostic[]): void {
  const { iterations, vus } = o
  if (typeof iterations === 'number' && typeof vus === 'number' && iterations < vus) {
    diagnostics.push(error(`${path}.iterations`,
      `the number of iterations (${iterations}) can't be less than the number of VUs (${vus}), as in k6`))
  }
}

function checkRequestBodies (requests: unknown, diagnostics: Diagnostic[]): void {
  if (!Array.isArray(requests)) return
  requests.forEach((step: unknown, i) => {
    if (isRecord(step) && step.body !== undefined && step.json !== undefined) {
      diagnostics.push(error(`requests.${i}.json`, "set either 'body' (text) or 'json', not both"))
    }
  })
}
