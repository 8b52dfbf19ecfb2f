import {
  dependencyOrder, effectiveApp, EXIT_CODES, formatDurationMs, resolveFromManifest, type EffectiveTest, type Sourced,
} from '@loadfleet/core'
import { relative } from 'node:path'
import { loadTreeOrReport } from './validate-command.js'

/** `loadfleet explain APP`: the app's effective settings, one per line, each followed by where it came from. */
export async function explainCommand (name: string, dir: string): Promise<number> {
  const tree = await loadTreeOrReport(dir)
  if (tree === undefined) return EXIT_CODES.invalidInput
  const node = tree.apps.get(name)
  if (node === undefined) {
    process.stderr.write(`loadfleet explain: no app named '${name}'; apps: ${[...tree.apps.keys()].join(', ')}\n`)
    return EXIT_CODES.invalidInput
  }
  const app = effectiveApp(node, resolveFromManifest)
  const lines: string[] = [`app ${app.name} (${app.file})`]
  const add = (key: string, value: string, from: string, indent = '  ') => lines.push(`${indent}${key}: ${value}  # ${from}`)
  const sourced = (key: string, s: Sourced<unknown> | undefined, indent = '  ') => {
    if (s !== undefined) add(key, show(s.value), s.from, indent)
  }
  lines.push(`  parent: ${app.parent ?? '(none)'}`)
  if (app.dependsOn.length > 0) lines.push(`  dependsOn: ${app.dependsOn.join(', ')}`)
  const order = dependencyOrder(node).map((c) => c.name)
  if (order.length > 0) lines.push(`  children (dependency order): ${order.join(', ')}`)
  for (const [key, value] of Object.entries(app.labels)) lines.push(`  labels.${key}: ${value}`)
  if (app.egress === undefined) lines.push('  egress: (unrestricted)  # no app on the way up sets spec.egress')
  else sourced('egress', app.egress)
  for (const [role, members] of Object.entries(app.roles)) sourced(`roles.${role}`, members)
  for (const secret of app.secrets) add('secret', secret.value, secret.from)
  for (const test of app.tests) lines.push(...explainTest(test))
  if (app.gate !== undefined) lines.push(`  gate: ${JSON.stringify(app.gate)}`)
  process.stdout.write(lines.join('\n') + '\n')
  return EXIT_CODES.ok
}

function explainTest (test: EffectiveTest): string[] {
  const lines = [`  test ${test.name} (${test.kind})`]
  const add = (key: string, value: unknown, from: string) => lines.push(`    ${key}: ${show(value)}  # ${from}`)
  const location = test.kind === 'url' ? test.location.value : relative(process.cwd(), test.location.value)
  add(test.kind, location, test.location.from)
  add('vus', test.vus.value, test.vus.from)
  add('duration', formatDurationMs(test.durationMs.value), test.durationMs.from)
  add('interval', formatDurationMs(test.intervalMs.value), test.intervalMs.from)
  add('schedule', test.schedule.value, test.schedule.from)
  add('expectedStatuses', test.expectedStatuses.value, test.expectedStatuses.from)
  for (const [metric, list] of Object.entries(test.thresholds)) add(`thresholds.${metric}`, list.value, list.from)
  for (const [header, value] of Object.entries(test.headers)) add(`headers.${header}`, value.value, value.from)
  return lines
}

function show (value: unknown): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? value.map(String).join(', ') : JSON.stringify(value)
}
