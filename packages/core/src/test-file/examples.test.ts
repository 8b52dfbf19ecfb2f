import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseTestText } from './index.js'

const EXAMPLES_DIR = join(import.meta.dirname, '../../../../examples')

describe('the shipped examples', () => {
  it.each(readdirSync(EXAMPLES_DIR).filter((f) => /\.(ya?ml|json)$/.test(f)))('%s parses without diagnostics', (file) => {
    const result = parseTestText(readFileSync(join(EXAMPLES_DIR, file), 'utf8'), { file })
    expect(result.diagnostics).toEqual([])
    expect(result.value?.requests.length).toBeGreaterThan(0)
  })
})
