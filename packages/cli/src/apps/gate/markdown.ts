import { formatGateValue, type GateMetric } from '@loadfleet/core'
import type { GateEvidence, GateTestEvidence } from '@loadfleet/api'
import { failureLines } from './junit.js'

const MARK: Record<GateTestEvidence['status'], string> = {
  pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', inconclusive: '❔ inconclusive', skipped: '⏭️ skipped',
}

/** Table cells may not hold `|` or line breaks. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
const short = (revision: string | null): string => revision === null ? '(none)' : `\`${revision.slice(0, 12)}\``

function figure (test: GateTestEvidence, metric: GateMetric): string {
  const value = test.metrics[metric]
  return value === undefined ? '–' : formatGateValue(metric, value)
}

/** A Markdown summary of a gate for a pull-request comment: verdict, baseline, one row per test, then why. */
export function renderMarkdown (evidence: GateEvidence): string {
  const lines = [
    `### Loadfleet gate \`${evidence.app}\`: ${MARK[evidence.verdict]}`,
    '',
    `Revision ${short(evidence.revision)} · ${evidence.mode === 'local' ? 'run locally' : 'run on the fleet'} · ` +
      (evidence.baseline === null
        ? 'no baseline (no earlier passing gate)'
        : `baseline ${short(evidence.baseline.revision)} (previous passing gate, ${evidence.baseline.finishedAt})`),
    '',
    '| App | Test | Status | p95 | error rate | req/s | Notes |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ]
  for (const app of evidence.apps) {
    if (app.tests.length === 0) {
      lines.push(`| ${app.name} | – | ${MARK[app.status]} | | | | ${cell(app.reason ?? 'no gate tests')} |`)
    }
    for (const test of app.tests) {
      const notes = [...failureLines(test), ...test.criteria.filter((c) => c.status === 'no-baseline').map((c) => c.message)]
      if (test.reason !== null) notes.unshift(test.reason)
      lines.push(`| ${app.name} | ${test.name} | ${MARK[test.status]} | ${figure(test, 'p95')} | ` +
        `${figure(test, 'error_rate')} | ${figure(test, 'rps')} | ${cell(notes.join('; '))} |`)
    }
  }
  lines.push('', `Apps in order: ${evidence.order.join(' → ')} · ${evidence.startedAt} – ${evidence.finishedAt}`, '')
  return lines.join('\n')
}
