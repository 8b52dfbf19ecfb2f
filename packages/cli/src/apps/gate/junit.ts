import type { GateEvidence, GateTestEvidence } from '@loadfleet/api'

/** Escapes text for an XML attribute or element. */
function xml (text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    // Control characters other than tab, LF and CR are not allowed in XML 1.0 at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
}

const seconds = (from: string | null, to: string | null): string =>
  from === null || to === null ? '0' : ((Date.parse(to) - Date.parse(from)) / 1000).toFixed(3)

/** Why a test failed, one line per crossed threshold and failed criterion, each naming the observed value. */
export function failureLines (test: GateTestEvidence): string[] {
  const lines: string[] = []
  for (const t of test.thresholds.filter((x) => !x.ok)) {
    const observed = t.observed === null ? '' : `: observed ${Number(t.observed.toFixed(3))}`
    lines.push(`threshold ${t.metric} ${t.expression} crossed${observed}`)
  }
  for (const c of test.criteria.filter((x) => x.status === 'fail')) lines.push(`criterion ${c.message}`)
  return lines
}

function testcase (app: string, root: string, test: GateTestEvidence): string {
  const open = `    <testcase classname="${xml(`${root}.${app}`)}" name="${xml(test.name)}" time="${seconds(test.startedAt, test.finishedAt)}"`
  const notes = test.criteria.filter((c) => c.status !== 'pass' && c.status !== 'fail').map((c) => c.message)
  const out = notes.length === 0 ? '' : `\n      <system-out>${xml(notes.join('\n'))}</system-out>`
  switch (test.status) {
    case 'skipped':
      return `${open}>\n      <skipped message="${xml(test.reason ?? 'skipped')}"/>\n    </testcase>`
    case 'inconclusive': {
      const why = test.reason ?? notes.join('; ')
      return `${open}>\n      <error message="${xml(why)}" type="inconclusive">${xml(why)}</error>${out}\n    </testcase>`
    }
    case 'fail': {
      const lines = failureLines(test)
      const type = test.criteria.some((c) => c.status === 'fail') ? 'criterion' : 'threshold'
      return `${open}>\n      <failure message="${xml(lines.join('; '))}" type="${type}">${xml(lines.join('\n'))}</failure>${out}\n    </testcase>`
    }
    default:
      return out === '' ? `${open}/>` : `${open}>${out}\n    </testcase>`
  }
}

/** JUnit XML of a gate: a testsuite per app (in the order they ran), a testcase per gate test. */
export function renderJunit (evidence: GateEvidence): string {
  const count = (tests: GateTestEvidence[], status: GateTestEvidence['status']) => tests.filter((t) => t.status === status).length
  const all = evidence.apps.flatMap((a) => a.tests)
  const suites = evidence.apps.map((app) => {
    const props = [['revision', evidence.revision ?? ''], ['status', app.status], ['file', app.file],
      ...(app.reason === null ? [] : [['reason', app.reason]])]
      .map(([k, v]) => `      <property name="${xml(k ?? '')}" value="${xml(v ?? '')}"/>`).join('\n')
    return `  <testsuite name="${xml(app.name)}" tests="${app.tests.length}" failures="${count(app.tests, 'fail')}" ` +
      `errors="${count(app.tests, 'inconclusive')}" skipped="${count(app.tests, 'skipped')}" ` +
      `time="${seconds(app.startedAt, app.finishedAt)}" timestamp="${xml(app.startedAt ?? evidence.startedAt)}">\n` +
      `    <properties>\n${props}\n    </properties>\n` +
      app.tests.map((t) => testcase(app.name, evidence.app, t)).join('\n') + (app.tests.length > 0 ? '\n' : '') +
      '  </testsuite>'
  })
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${xml(`loadfleet gate ${evidence.app}`)}" tests="${all.length}" failures="${count(all, 'fail')}" ` +
    `errors="${count(all, 'inconclusive')}" skipped="${count(all, 'skipped')}" ` +
    `time="${seconds(evidence.startedAt, evidence.finishedAt)}">\n${suites.join('\n')}\n</testsuites>\n`
}
