import type { Diagnostic, ParseResult } from '../diagnostic.js'
import type { TestSpec } from '../test-spec.js'
import { parseTestObject } from './parse-test.js'

/** `loadfleet run --url … --vus 10 --duration 30s [--sleep 1s]`: the one-request test of the common case. */
export interface TestFlags {
  url: string
  vus?: number | string
  duration?: string
  iterations?: number | string
  sleep?: string
  method?: string
  /** `Name: value` pairs, as curl's `-H`. */
  headers?: string[]
  body?: string
  insecureSkipTLSVerify?: boolean
  /** `metric=expression` pairs, e.g. `http_req_duration=p(95)<500`. */
  thresholds?: string[]
}

// Diagnostics speak of the flag the user typed, not of the file field it became.
const FLAG_OF: Record<string, string> = {
  'options.vus': '--vus',
  'options.duration': '--duration',
  'options.iterations': '--iterations',
  'options.stages': '--duration',
  sleep: '--sleep',
  'requests.0.url': '--url',
  'requests.0.method': '--method',
  'requests.0.body': '--body',
  'options.thresholds': '--threshold',
}

/** Builds a test from CLI flags with the same rules (and messages) as a test file. */
export function testFromFlags (flags: TestFlags): ParseResult<TestSpec> {
  const diagnostics: Diagnostic[] = []
  const headers: Record<string, string> = {}
  for (const h of flags.headers ?? []) {
    const colon = h.indexOf(':')
    if (colon <= 0) {
      diagnostics.push(flagError('--header', `expected 'Name: value', got '${h}'`))
    } else {
      headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim()
    }
  }
  const thresholds: Record<string, string[]> = {}
  for (const t of flags.thresholds ?? []) {
    const eq = t.indexOf('=')
    const metric = eq <= 0 ? '' : t.slice(0, eq).trim()
    if (metric === '') {
      diagnostics.push(flagError('--threshold', `expected 'metric=expression' like 'http_req_duration=p(95)<500', got '${t}'`))
    } else {
      (thresholds[metric] ??= []).push(t.slice(eq + 1).trim())
    }
  }
  const options = {
    ...(flags.vus === undefined ? {} : { vus: numeric(flags.vus) }),
    ...(flags.duration === undefined ? {} : { duration: flags.duration }),
    ...(flags.iterations === undefined ? {} : { iterations: numeric(flags.iterations) }),
    ...(flags.insecureSkipTLSVerify === undefined ? {} : { insecureSkipTLSVerify: flags.insecureSkipTLSVerify }),
    ...(Object.keys(thresholds).length === 0 ? {} : { thresholds }),
  }
  const request = {
    url: flags.url,
    ...(flags.method === undefined ? {} : { method: flags.method }),
    ...(flags.body === undefined ? {} : { body: flags.body }),
    headers,
  }
  const sleep = flags.sleep === undefined ? {} : { sleep: flags.sleep }
  const result = parseTestObject({ options, requests: [request], ...sleep })
  const all = [...diagnostics, ...result.diagnostics.map((d) => ({ ...d, path: flagOf(d.path) }))]
  if (all.length > 0 || result.value === undefined) return { diagnostics: all }
  return { value: result.value, diagnostics: all }
}

function flagOf (path: string): string {
  const match = Object.keys(FLAG_OF).find((field) => path === field || path.startsWith(`${field}.`))
  return match === undefined ? path : (FLAG_OF[match] ?? path)
}

function flagError (path: string, message: string): Diagnostic {
  return { severity: 'error', code: 'LF_TEST_INVALID', path, message }
}

/** Flags arrive as text; a numeric string becomes the number, anything else stays for the schema to reject. */
function numeric (value: number | string): number | string {
  return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value
}
