import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { registeredErrorCodes } from '@loadfleet/core'
import './errors.js'

const DOC = readFileSync(join(import.meta.dirname, '../../../docs/errors.md'), 'utf8')

describe('docs/errors.md', () => {
  it('lists exactly the registered error codes, each with its HTTP status', () => {
    const errorsSection = DOC.slice(DOC.indexOf('## Errors'), DOC.indexOf('## Diagnostics'))
    const documented = new Map([...errorsSection.matchAll(/^\| `(LF_[A-Z0-9_]+)` \| (\d{3}) \|/gm)]
      .map(([, code, status]) => [code, Number(status)]))
    expect(documented).toEqual(new Map([...registeredErrorCodes()].sort()))
  })
})
