import { spawnSync } from 'node:child_process'

/** One sample of a Prometheus text exposition. */
export interface Sample { name: string, labels: Record<string, string>, value: number }

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the samples of a text exposition (comments skipped, label values unescaped). */
export function parseExposition (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (match === null) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key = '', raw = ''] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = raw.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) })
  }
  return samples
}

/** The value of the one sample with this name whose labels include `labels`, or undefined. */
export function sampleValue (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

export function promtoolAvailable (): boolean {
  return spawnSync('promtool', ['--version']).status === 0
}

/**
 * Whether promtool can run here; when it cannot, says so plainly (CI installs Debian's prometheus package, which
 * has it, and fails there instead of skipping).
 */
export function requirePromtool (what: string): boolean {
  if (promtoolAvailable()) return true
  console.log(`promtool is not installed (apt-get install -y prometheus); ${what} did not run`)
  if (process.env.CI === 'true') throw new Error('promtool is required in CI')
  return false
}
