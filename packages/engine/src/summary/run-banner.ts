import type { RunResult, TestSpec } from '@loadfleet/core'
import { plannedDurationMs } from '../executors/index.js'
import { describeScenarios, goDuration, maxDurationOf, maxVUsOf } from './describe-scenarios.js'

/** What the header says the test is and where its results go. */
export interface RunHeaderOptions {
  /** The test file, or a description of the flags' test. */
  script: string
  /** Where results are written besides the summary ('-' for nowhere). */
  output: string
}

/** The block k6 prints before a run: execution, script and output, then the scenarios. */
export function renderRunHeader (spec: Pick<TestSpec, 'scenarios'>, options: RunHeaderOptions): string {
  return [
    '',
    '     execution: local',
    `        script: ${options.script}`,
    `        output: ${options.output}`,
    '',
    ...describeScenarios(spec),
    '',
  ].join('\n') + '\n'
}

/**
 * k6's `GetFixedLengthDuration`: elapsed time to 0.1 s, as wide as the longest the test may take, so the line
 * keeps its width ("03.0s" within 33 s, "00m03.0s" within 10m30s, "0h00m03.0s" past an hour).
 */
export function fixedLengthDuration (ms: number, maxMs: number): string {
  const tenths = Math.round(Math.max(0, ms) / 100)
  const maxTenths = Math.max(tenths, Math.round(maxMs / 100))
  const h = Math.floor(tenths / 36_000)
  const m = Math.floor((tenths % 36_000) / 600)
  const s = Math.floor((tenths % 600) / 10)
  const secs = `${String(s).padStart(2, '0')}.${tenths % 10}s`
  if (maxTenths >= 36_000) return `${h}h${String(m).padStart(2, '0')}m${secs}`
  if (maxTenths >= 600) return `${String(m).padStart(2, '0')}m${secs}`
  return secs
}

/**
 * The lines k6 leaves above its summary when the run ends: VUs, complete and interrupted iterations, then one line
 * per scenario with ✓ when it ran its course and ✗ when the run was stopped early.
 */
export function renderRunEnd (result: RunResult, spec: Pick<TestSpec, 'scenarios'>): string {
  const maxMs = Math.max(0, ...spec.scenarios.map(maxDurationOf))
  const vusMax = result.metrics.vus_max?.values.max ?? 0
  const width = String(vusMax).length
  const complete = result.metrics.iterations?.values.count ?? 0
  const lines = [`running (${fixedLengthDuration(result.durationMs, maxMs)}), ${'0'.padStart(width, '0')}/${vusMax} VUs, ` +
    `${complete} complete and ${result.interruptedIterations ?? 0} interrupted iterations`]
  const nameWidth = Math.max(0, ...spec.scenarios.map((sc) => sc.name.length))
  const stopped = result.abortedBy !== undefined
  for (const sc of spec.scenarios) {
    const plannedMs = plannedDurationMs(sc)
    const ranMs = Math.max(0, result.durationMs - sc.startTimeMs)
    const share = stopped && plannedMs > 0 ? Math.min(1, ranMs / plannedMs) : 1
    const mark = stopped && share < 1 ? '✗' : '✓'
    const time = stopped && share < 1
      ? `${fixedLengthDuration(ranMs, maxMs)}/${goDuration(plannedMs)}`
      : goDuration(plannedMs)
    lines.push(`${sc.name.padEnd(nameWidth)} ${mark} [ ${String(Math.floor(share * 100)).padStart(3)}% ] ` +
      `${maxVUsOf(sc)} VUs  ${time}`)
  }
  return lines.join('\n') + '\n'
}
