import { parseDurationMs } from '../duration.js'
import { DEVICE_PRESETS, type DevicePreset } from './devices.js'
import type { BrowserCheckSpec, BrowserStep } from './types.js'

/** A check's defaults: 30 s for the whole check, 10 s for each step's wait. */
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000
export const DEFAULT_STEP_TIMEOUT_MS = 10_000
// A check longer than 5 minutes is no longer a check of a page; a bound keeps a schedule from being starved.
const MAX_TIMEOUT_MS = 300_000
// Bounds a user's list, so one check cannot run for ever or bloat a site row.
export const MAX_STEPS = 50
const MAX_TEXT = 2000

/** A problem in check options, with the path of the offending field. */
export interface CheckProblem {
  path: Array<string | number>
  message: string
}

const ACTIONS = ['navigate', 'click', 'fill', 'waitFor', 'expectText', 'expectStatus'] as const
type Action = typeof ACTIONS[number]
const TOP_KEYS = ['steps', 'device', 'viewport', 'timeout', 'stepTimeout', 'insecureSkipTlsVerify', 'screenshot']

/** Everything of a check but its URL, from a steps file's object (or a bare list of steps). */
export type CheckOptions = Omit<BrowserCheckSpec, 'url'>

/** Reads check options from a parsed steps file; every problem is reported, each with its path. */
export function readCheckOptions (input: unknown): { value?: CheckOptions, problems: CheckProblem[] } {
  const problems: CheckProblem[] = []
  const top: Record<string, unknown> = Array.isArray(input) ? { steps: input } : isRecord(input) ? input : {}
  if (!Array.isArray(input) && !isRecord(input)) {
    problems.push({ path: [], message: `expected a list of steps or an object with steps, got ${show(input)}` })
  }
  for (const key of Object.keys(top)) {
    if (!TOP_KEYS.includes(key)) problems.push({ path: [key], message: `unknown key; expected one of ${TOP_KEYS.join(', ')}` })
  }
  const steps = readSteps(top.steps ?? [], problems)
  const device = top.device ?? 'desktop'
  if (!DEVICE_PRESETS.includes(device as DevicePreset)) {
    problems.push({ path: ['device'], message: `expected one of ${DEVICE_PRESETS.join(', ')}, got ${show(device)}` })
  }
  const viewport = top.viewport === undefined ? undefined : readViewport(top.viewport, problems)
  const timeoutMs = readDuration(top.timeout, ['timeout'], DEFAULT_CHECK_TIMEOUT_MS, problems)
  const stepTimeoutMs = readDuration(top.stepTimeout, ['stepTimeout'], DEFAULT_STEP_TIMEOUT_MS, problems)
  const insecure = top.insecureSkipTlsVerify ?? false
  if (typeof insecure !== 'boolean') {
    problems.push({ path: ['insecureSkipTlsVerify'], message: `expected true or false, got ${show(insecure)}` })
  }
  const screenshot = top.screenshot ?? 'on-failure'
  if (screenshot !== 'always' && screenshot !== 'on-failure') {
    problems.push({ path: ['screenshot'], message: `expected always or on-failure, got ${show(screenshot)}` })
  }
  if (problems.length > 0) return { problems }
  return {
    value: {
      steps, device: device as DevicePreset, ...(viewport === undefined ? {} : { viewport }), timeoutMs, stepTimeoutMs,
      insecureSkipTlsVerify: insecure as boolean, screenshot: screenshot as 'always' | 'on-failure',
    },
    problems,
  }
}

function readSteps (input: unknown, problems: CheckProblem[]): BrowserStep[] {
  if (!Array.isArray(input)) {
    problems.push({ path: ['steps'], message: `expected a list of steps, got ${show(input)}` })
    return []
  }
  if (input.length > MAX_STEPS) problems.push({ path: ['steps'], message: `at most ${MAX_STEPS} steps, got ${input.length}` })
  const steps: BrowserStep[] = []
  input.forEach((raw: unknown, i) => {
    const step = readStep(raw, ['steps', i], problems)
    if (step !== undefined) steps.push(step)
  })
  return steps
}

function readStep (raw: unknown, path: Array<string | number>, problems: CheckProblem[]): BrowserStep | undefined {
  const expected = `one of ${ACTIONS.join(', ')}`
  if (!isRecord(raw)) {
    problems.push({ path, message: `expected a step such as { click: '#buy' } (${expected}), got ${show(raw)}` })
    return undefined
  }
  const actions = Object.keys(raw).filter((k): k is Action => (ACTIONS as readonly string[]).includes(k))
  for (const key of Object.keys(raw)) {
    if (key !== 'timeout' && !(ACTIONS as readonly string[]).includes(key)) {
      problems.push({ path: [...path, key], message: `unknown key; a step is ${expected}, with an optional timeout` })
    }
  }
  const [action] = actions
  if (action === undefined || actions.length > 1) {
    problems.push({ path, message: `a step has exactly one action (${expected}), got ${actions.length}` })
    return undefined
  }
  const timeout = raw.timeout === undefined
    ? {}
    : { timeoutMs: readDuration(raw.timeout, [...path, 'timeout'], DEFAULT_STEP_TIMEOUT_MS, problems) }
  return readAction(action, raw[action], { path: [...path, action], problems, timeout })
}

interface ActionContext { path: Array<string | number>, problems: CheckProblem[], timeout: { timeoutMs?: number } }

function readAction (action: Action, value: unknown, ctx: ActionContext): BrowserStep | undefined {
  const { path, problems, timeout } = ctx
  const text = (v: unknown, at: Array<string | number>, what: string): string | undefined => {
    if (typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT) return v
    problems.push({ path: at, message: `expected ${what} (1–${MAX_TEXT} characters), got ${show(v)}` })
    return undefined
  }
  switch (action) {
    case 'navigate': {
      const url = text(value, path, 'a URL or a path')
      return url === undefined ? undefined : { action, url, ...timeout }
    }
    case 'click': {
      const selector = text(value, path, 'a CSS selector')
      return selector === undefined ? undefined : { action, selector, ...timeout }
    }
    case 'fill': {
      const o = isRecord(value) ? value : {}
      const selector = text(o.selector, [...path, 'selector'], 'a CSS selector')
      const fillValue = typeof o.value === 'string' ? o.value : text(o.value, [...path, 'value'], 'the text to type')
      if (selector === undefined || fillValue === undefined) return undefined
      return { action, selector, value: fillValue, ...timeout }
    }
    case 'waitFor': {
      if (typeof value === 'string') return { action: 'waitForSelector', selector: value, ...timeout }
      const o = isRecord(value) ? value : {}
      if (o.text !== undefined && o.selector === undefined) {
        const t = text(o.text, [...path, 'text'], 'the text to wait for')
        return t === undefined ? undefined : { action: 'waitForText', text: t, ...timeout }
      }
      const selector = text(o.selector, path, 'a CSS selector or { text: … } or { selector: … }')
      return selector === undefined ? undefined : { action: 'waitForSelector', selector, ...timeout }
    }
    case 'expectText': {
      if (typeof value === 'string') return text(value, path, 'text') === undefined ? undefined : { action, text: value, ...timeout }
      const o = isRecord(value) ? value : {}
      const t = text(o.text, [...path, 'text'], 'the expected text')
      const selector = o.selector === undefined ? undefined : text(o.selector, [...path, 'selector'], 'a CSS selector')
      if (t === undefined) return undefined
      return { action, text: t, ...(selector === undefined ? {} : { selector }), ...timeout }
    }
    case 'expectStatus': {
      if (Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599) {
        return { action, status: value as number }
      }
      problems.push({ path, message: `expected an HTTP status (100–599), got ${show(value)}` })
      return undefined
    }
  }
}

function readViewport (input: unknown, problems: CheckProblem[]): { width: number, height: number } | undefined {
  const o = isRecord(input) ? input : {}
  const side = (key: 'width' | 'height'): number | undefined => {
    const v = o[key]
    if (Number.isInteger(v) && (v as number) >= 200 && (v as number) <= 4000) return v as number
    problems.push({ path: ['viewport', key], message: `expected a whole number of pixels from 200 to 4000, got ${show(v)}` })
    return undefined
  }
  const width = side('width')
  const height = side('height')
  return width === undefined || height === undefined ? undefined : { width, height }
}

function readDuration (input: unknown, path: Array<string | number>, fallback: number, problems: CheckProblem[]):
number {
  if (input === undefined) return fallback
  const ms = typeof input === 'string' || typeof input === 'number' ? parseDurationMs(input) : undefined
  if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    problems.push({ path, message: `expected a duration from 1ms to 5m, like 10s, got ${show(input)}` })
    return fallback
  }
  return ms
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function show (v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`
  return v === undefined ? 'nothing' : JSON.stringify(v) ?? typeof v
}
