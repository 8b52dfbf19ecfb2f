import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatDiagnostic } from '@loadfleet/core'
import { isSingleAsyncFunction } from './ast.js'
import { loadScript } from './load-script.js'

/** Loads `files` from memory; the entry is `script.js`. */
async function load (files: Record<string, string>) {
  const byPath = new Map(Object.entries(files).map(([name, text]) => [resolve(name), text]))
  return loadScript('script.js', (path) => Promise.resolve(byPath.get(path)))
}

async function problems (files: Record<string, string>): Promise<string[]> {
  return (await load(files)).diagnostics.map(formatDiagnostic)
}

describe('loadScript', () => {
  it('reports a syntax error on its line', async () => {
    expect(await problems({ 'script.js': 'import http from "k6/http"\n\nexport default function () {\n  http.get(\n}\n' }))
      .toEqual([expect.stringMatching(/^script\.js:5: error: syntax error: Unexpected token/)])
  })

  it.each([
    ['k6/browser', /the module 'k6\/browser' is not supported by the built-in engine/],
    ['k6/ws', /the module 'k6\/ws' is not supported/],
    ['k6/net/grpc', /the module 'k6\/net\/grpc' is not supported/],
    ['k6/html', /the module 'k6\/html' is not supported/],
    ['https://example.com/lib.js', /remote import 'https:\/\/example.com\/lib.js' is not supported/],
    ['lodash', /cannot import 'lodash'/],
  ])('refuses an import of %s with its line', async (specifier, message) => {
    const diagnostics = await problems({ 'script.js': `// a comment\nimport x from '${specifier}'\nexport default function () {}\n` })
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatch(/^script\.js:2: error: /)
    expect(diagnostics[0]).toMatch(message)
  })

  it('refuses "<!--", which would let a script reach outside its wrapper and run while being compiled', async () => {
    // A module reads `a <!--b` as `a < !--b`; the classic script the wrapper is compiled as reads a comment there,
    // so the template below would close the wrapper and run the code after it.
    const escape = [
      'let a = 1, b = 2',
      'let x = a <!--b + `',
      '}); globalThis.__lfEscaped = true; (async function () { <!-- `',
      'export default function () {}',
    ].join('\n')
    expect(await problems({ 'script.js': escape })).toEqual([
      'script.js:2: error: "<!--" would read as a comment where the script runs; write "< !--" with a space',
    ])
    expect((globalThis as Record<string, unknown>).__lfEscaped).toBeUndefined()
    expect(await problems({ 'script.js': 'let a = 1, b = 2\nlet x = a < !--b\nexport default function () {}\n' }))
      .toEqual([])
  })

  it('compiles only code that is one async function and nothing besides', () => {
    expect(isSingleAsyncFunction('(async function (x) { return x })')).toBe(true)
    expect(isSingleAsyncFunction('(async function () {}), globalThis.x = 1')).toBe(false)
    expect(isSingleAsyncFunction('(async function () {})(globalThis.x = 1)')).toBe(false)
    expect(isSingleAsyncFunction('(async function () {}); globalThis.x = 1')).toBe(false)
    expect(isSingleAsyncFunction('(function () {})')).toBe(false)
    expect(isSingleAsyncFunction('(async function () {}) <!-- a comment')).toBe(true)
  })

  it('serves the jslib k6-utils and k6-summary modules without the network', async () => {
    const loaded = await load({ 'script.js': [
      "import { randomIntBetween } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js'",
      "import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js'",
      'export default function () { randomIntBetween(1, 2); textSummary }',
    ].join('\n') })
    expect(loaded.diagnostics).toEqual([])
    expect(loaded.value?.modules.size).toBe(1)
  })

  it('names a local module that cannot be read at the importing line', async () => {
    expect(await problems({ 'script.js': "\n\nimport { a } from './missing.js'\nexport default function () { a() }\n" }))
      .toEqual(["script.js:3: error: cannot read 'missing.js'"])
  })

  it('refuses a function that makes requests passed to a callback API that would not await it', async () => {
    const diagnostics = await problems({ 'script.js': [
      "import http from 'k6/http'",
      'export default function () {',
      "  ['a', 'b'].forEach((u) => {",
      '    http.get(u)',
      '  })',
      '}',
    ].join('\n') })
    expect(diagnostics).toEqual([
      "script.js:3: error: a function that makes requests or sleeps is passed to ['a', 'b'].forEach(), which would not " +
      'wait for it; call it in a for…of loop instead',
    ])
  })

  it('accepts callbacks that do not wait, and waiting callbacks given to group() and own functions', async () => {
    const loaded = await load({
      'script.js': [
        "import http from 'k6/http'",
        "import { group, check, sleep } from 'k6'",
        "import { retry } from './lib.js'",
        'export default function () {',
        '  const ids = [1, 2].map((x) => x * 2).filter((x) => x > 0)',
        "  group('g', () => { retry(() => http.get('http://127.0.0.1/')) })",
        "  check(1, { 'one': (v) => v === 1 })",
        '  sleep(0)',
        '}',
      ].join('\n'),
      'lib.js': 'export function retry (fn) { return fn() }\n',
    })
    expect(loaded.diagnostics).toEqual([])
    expect(loaded.value?.modules.size).toBe(2)
  })

  it('refuses dynamic import()', async () => {
    expect(await problems({ 'script.js': "export default async function () {\n  await import('./x.js')\n}\n" }))
      .toEqual(['script.js:2: error: dynamic import() is not supported; use a static import at the top of the module'])
  })

  it('refuses a getter that makes requests', async () => {
    const diagnostics = await problems({ 'script.js': [
      "import http from 'k6/http'",
      'const api = {',
      "  get home () { return http.get('http://127.0.0.1/') },",
      '}',
      'export default function () { api.home }',
    ].join('\n') })
    expect(diagnostics).toEqual(['script.js:3: error: a getter cannot make requests or sleep here'])
  })
})
