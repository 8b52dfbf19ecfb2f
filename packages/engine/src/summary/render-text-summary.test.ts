import { readFileSync } from 'node:fs'
import { parseK6SummaryExport, type RunResult } from '@loadfleet/core'
import { describe, expect, it } from 'vitest'
import { renderTextSummary } from './index.js'

// Real outputs of k6 v1.3.0, shared by the whole repository (see its README).
const FIXTURES = new URL('../../../../fixtures/k6/', import.meta.url)
const K6_DEFAULT_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']

function resultFromExport (file: string): RunResult {
  const data = parseK6SummaryExport(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')))
  return {
    engine: 'k6', outcome: data.thresholds.every((t) => t.ok) ? 'passed' : 'failed', startedAt: 0, finishedAt: 0,
    ...data, statusCodes: {}, errorKinds: {},
  }
}

/** k6's summary block of a stdout fixture: from the first █ heading to the blank lines before the final progress. */
function k6Block (file: string): string[] {
  const lines = readFileSync(new URL(file, FIXTURES), 'utf8').split('\n').map((l) => l.trimEnd())
  const start = lines.findIndex((l) => l.startsWith('  █'))
  const end = lines.findIndex((l, i) => i > start && l.startsWith('running ('))
  const block = lines.slice(start, end)
  while (block.at(-1) === '') block.pop()
  return block
}

function ours (result: RunResult, mode: 'compact' | 'full' = 'compact'): string[] {
  const lines = renderTextSummary(result, { trendStats: K6_DEFAULT_STATS, mode }).split('\n')
  const start = lines.findIndex((l) => l.startsWith('  █'))
  const block = lines.slice(start)
  while (block.at(-1) === '') block.pop()
  return block
}

describe('renderTextSummary reproduces k6 v1.3.0 output from the same data', () => {
  it('stdout-default.txt: thresholds, HTTP / EXECUTION / NETWORK, dotted alignment, µs/ms and MB formats', () => {
    expect(ours(resultFromExport('summary-export-default-stats.json'))).toEqual(k6Block('stdout-default.txt'))
  })

  it('stdout-summary-mode-full.txt: every metric in full mode', () => {
    expect(ours(resultFromExport('summary-export-full-mode.json'), 'full')).toEqual(k6Block('stdout-summary-mode-full.txt'))
  })

  it('stdout-errors-checks.txt: a crossed threshold and the checks block', () => {
    const expected = k6Block('stdout-errors-checks.txt')
    const actual = ours(resultFromExport('summary-export-errors-checks.json'))
    // k6 names grouped checks without their group; ours carry it ("ok::status is 200"), so compare the rest.
    const withoutChecks = (lines: string[]) => lines.filter((l) => !/[✓✗] .*status is 200|↳/.test(l))
    expect(withoutChecks(actual)).toEqual(withoutChecks(expected))
    expect(actual).toContain('    ✗ missing::status is 200')
    expect(actual).toContain('      ↳  0% — ✓ 0 / ✗ 20')
  })
})

describe('renderTextSummary additions', () => {
  const base = resultFromExport('summary-export-default-stats.json')

  it('shows p(99) when asked and counts per status code and error kind', () => {
    const counts = { statusCodes: { 200: 36480, 503: 10 }, errorKinds: { timeout: 3, reset: 1 } }
    const text = renderTextSummary({ ...base, ...counts },
      { trendStats: ['avg', 'p(99)'] })
    expect(text).toMatch(/http_req_duration\.+: avg=784\.05µs p\(99\)=-/) // no p(99) in this export: shown as missing
    expect(text).toMatch(/status 200\.+: 36480 +99\.96%/)
    expect(text).toMatch(/status 503\.+: 10 +0\.03%/)
    expect(text).toMatch(/error timeout\.+: 3 +0\.01%/)
    expect(text).toMatch(/error reset\.+: 1 /)
  })

  it('has no ANSI escapes unless colour is asked for', () => {
    expect(renderTextSummary(base, { trendStats: K6_DEFAULT_STATS })).not.toContain('\x1b[')
    const coloured = renderTextSummary(base, { trendStats: K6_DEFAULT_STATS, color: true })
    expect(coloured).toContain('\x1b[32m✓\x1b[0m')
  })

  it('prints the scenario lines first and the error of a failed run last', () => {
    const text = renderTextSummary({ ...base, outcome: 'error', errorMessage: 'k6 exited with code 107' },
      { trendStats: K6_DEFAULT_STATS, scenarioLines: ['     scenarios: 1 scenario'] })
    expect(text.startsWith('     scenarios: 1 scenario\n')).toBe(true)
    expect(text.trimEnd().endsWith('ERROR k6 exited with code 107')).toBe(true)
  })
})
