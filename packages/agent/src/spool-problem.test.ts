import { describe, expect, it } from 'vitest'
import { spoolProblemOf } from './spool-problem.js'

const fsError = (code: string): Error => Object.assign(new Error(`${code}: failed`), { code })

describe('spoolProblemOf', () => {
  it.each([
    ['ENOSPC', 'spool directory full: ENOSPC writing /tmp/s'],
    ['EDQUOT', 'spool directory over its disk quota: EDQUOT writing /tmp/s'],
    ['EROFS', 'spool directory read-only: EROFS writing /tmp/s'],
    ['EIO', 'spool directory failing (I/O error): EIO writing /tmp/s'],
    ['EMFILE', 'spool directory not writable: EMFILE writing /tmp/s'],
  ])('names %s in words an operator acts on', (code, reason) => {
    expect(spoolProblemOf(fsError(code), '/tmp/s')).toBe(reason)
  })

  it('describes an error without a code by its message', () => {
    expect(spoolProblemOf(new Error('boom'), '/tmp/s')).toBe('spool directory not writable: boom (/tmp/s)')
  })

  it('stays within the heartbeat\'s 500 characters, never cutting a surrogate pair in half', () => {
    const deep = `/${'d'.repeat(460)}😀${'e'.repeat(100)}` // the emoji straddles the cut
    const reason = spoolProblemOf(fsError('ENOSPC'), deep)
    expect(reason.length).toBeLessThanOrEqual(500)
    expect(reason.endsWith('…')).toBe(true)
    expect(reason).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })
})
