import { describe, expect, it } from 'vitest'
import { createLogger } from './logger.js'

describe('agent logger', () => {
  it('masks credentials of every URL in a line, however deep', () => {
    const lines: string[] = []
    const log = createLogger({ write: (line) => { lines.push(line) } })
    log.log('info', 'run_started', {
      url: 'http://svc:S3cret@h/?api_key=AK&q=1', nested: { error: 'GET https://h/?token=T1 failed' },
    })
    expect(lines[0]).toContain('http://***@h/?api_key=***&q=1')
    expect(lines[0]).toContain('https://h/?token=*** failed')
    for (const secret of ['S3cret', 'AK&', 'T1']) expect(lines[0]).not.toContain(secret)
  })
})
