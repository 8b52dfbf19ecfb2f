import { readFile } from 'node:fs/promises'
import { parseTestText, testFromFlags } from '@loadfleet/core'
import type { Diagnostic, ParseResult, TestSpec } from '@loadfleet/core'

/** The options of `loadfleet run` that describe the test itself. */
export interface TestSourceOptions {
  url?: string
  vus?: string
  duration?: string
  iterations?: string
  sleep?: string
  method?: string
  header?: string[]
  body?: string
  threshold?: string[]
  insecureSkipTlsVerify?: boolean
}

const FLAG_NAMES: Array<[keyof TestSourceOptions, string]> = [
  ['url', '--url'], ['vus', '--vus'], ['duration', '--duration'], ['iterations', '--iterations'], ['sleep', '--sleep'],
  ['method', '--method'], ['header', '--header'], ['body', '--body'], ['threshold', '--threshold'],
]

function problem (path: string, message: string, file?: string): ParseResult<TestSpec> {
  const d: Diagnostic = { severity: 'error', code: 'LF_RUN_INPUT', path, message }
  if (file !== undefined) d.file = file
  return { diagnostics: [d] }
}

/** The test to run: from a YAML/JSON file (format by extension) or from the flags; never both. */
export async function loadTestSpec (file: string | undefined, opts: TestSourceOptions): Promise<ParseResult<TestSpec>> {
  const given = FLAG_NAMES.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag)
  if (file === undefined) {
    if (opts.url === undefined) return problem('', 'give a test file (loadfleet run test.yaml) or --url')
    return testFromFlags({
      url: opts.url,
      ...defined({ vus: opts.vus, duration: opts.duration, iterations: opts.iterations, sleep: opts.sleep,
        method: opts.method, headers: opts.header, body: opts.body, thresholds: opts.threshold,
        insecureSkipTLSVerify: opts.insecureSkipTlsVerify }),
    })
  }
  if (given.length > 0) {
    return problem('', `${given.join(', ')} cannot be combined with a test file; set them in '${file}' instead`)
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable')
    return problem('', `cannot read test file '${file}': ${why}`)
  }
  return parseTestText(text, { file })
}

/** Drops undefined values, as exactOptionalPropertyTypes wants. */
function defined<T extends Record<string, unknown>> (o: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as
    Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>
}
