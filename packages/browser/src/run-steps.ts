import type { Page } from 'playwright-core'
import { describeStep, type BrowserStep, type StepResult } from '@loadfleet/core/base'
import { errorLine, formatWait, isTimeout } from './failure-reason.js'

/** What the steps need from the check: the page, the waits, and the status of the latest navigation. */
export interface StepContext {
  page: Page
  stepTimeoutMs: number
  /** Epoch ms when the whole check's time runs out. */
  deadline: number
  checkTimeoutMs: number
  status: { current: number | null }
}

/** Each step's outcome, and why the first failing step failed (null when all passed). */
export interface StepsOutcome {
  results: StepResult[]
  reason: string | null
}

/** Runs the steps in order; the first failure ends the check and the steps after it are `skipped`. */
export async function runSteps (steps: readonly BrowserStep[], ctx: StepContext): Promise<StepsOutcome> {
  const results: StepResult[] = []
  let reason: string | null = null
  for (const [index, step] of steps.entries()) {
    const description = describeStep(step)
    if (reason !== null) {
      results.push({ index, description, status: 'skipped', durationMs: 0 })
      continue
    }
    const started = Date.now()
    const remaining = ctx.deadline - started
    const waitMs = Math.min('timeoutMs' in step && step.timeoutMs !== undefined ? step.timeoutMs : ctx.stepTimeoutMs, remaining)
    const why = waitMs <= 0
      ? `the check's ${formatWait(ctx.checkTimeoutMs)} ran out before this step`
      : await runStep(step, ctx, waitMs)
    if (why !== null) reason = `step ${index + 1} (${description}): ${why}`
    results.push({ index, description, status: why === null ? 'passed' : 'failed', durationMs: Date.now() - started })
  }
  return { results, reason }
}

/** Null when the step did what it says, else why not. */
async function runStep (step: BrowserStep, ctx: StepContext, timeout: number): Promise<string | null> {
  const { page } = ctx
  try {
    switch (step.action) {
      case 'navigate': {
        const url = new URL(step.url, page.url()).href
        const response = await page.goto(url, { waitUntil: 'load', timeout })
        ctx.status.current = response?.status() ?? null
        return null
      }
      case 'click':
        await page.locator(step.selector).first().click({ timeout })
        return null
      case 'fill':
        await page.locator(step.selector).first().fill(step.value, { timeout })
        return null
      case 'waitForSelector':
        await page.locator(step.selector).first().waitFor({ state: 'visible', timeout })
        return null
      case 'waitForText':
      case 'expectText': {
        const scope = step.action === 'expectText' && step.selector !== undefined
          ? page.locator(step.selector).filter({ hasText: step.text })
          : page.getByText(step.text)
        await scope.first().waitFor({ state: 'visible', timeout })
        return null
      }
      case 'expectStatus':
        return ctx.status.current === step.status ? null : `expected HTTP ${step.status}, got ${ctx.status.current ?? 'no response'}`
    }
  } catch (err) {
    return isTimeout(err) ? await timeoutReason(step, page, timeout) : failureReason(step, err)
  }
}

async function timeoutReason (step: BrowserStep, page: Page, waitedMs: number): Promise<string> {
  const after = `after ${formatWait(waitedMs)}`
  switch (step.action) {
    case 'navigate': return `the page did not finish loading ${after}`
    case 'waitForText': return `text "${step.text}" not found ${after}`
    case 'expectText':
      return `text "${step.text}" not found${step.selector === undefined ? '' : ` in ${step.selector}`} ${after}`
    case 'click':
    case 'fill':
    case 'waitForSelector': {
      // Tell "not there" from "there but hidden or disabled": the fixes differ.
      const count = await page.locator(step.selector).count().catch(() => 0)
      if (count === 0) return `selector ${step.selector} not found ${after}`
      const state = step.action === 'waitForSelector' ? 'visible' : step.action === 'click' ? 'clickable' : 'editable'
      return `selector ${step.selector} found but not ${state} ${after}`
    }
    case 'expectStatus': return `timed out ${after}`
  }
}

function failureReason (step: BrowserStep, err: unknown): string {
  const line = errorLine(err)
  if (step.action === 'navigate') return `navigation to ${step.url} failed: ${line}`
  if ('selector' in step && step.selector !== undefined && /selector|parsing/i.test(line)) {
    return `${step.selector} is not a valid selector (${line})`
  }
  return line
}
