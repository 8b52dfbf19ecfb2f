import { describe, expect, it } from 'vitest'
import { createLogger, logFormatOf } from './logger.js'

describe('agent logger', () => {
  it('masks credentials of every URL in a line, however deep', () => {
    const lines: string[] = []
    const log = createLogger({ write: (line) => { lines.push(line) } })
    log.log('info', 'run_started', {
      url: 'http://svc:S3cret@h/?api_key=AK&q=1', nested: { error: 'GET https://h/?token=Tok3nValue failed' },
    })
    expect(lines[0]).toContain('http://***@h/?api_key=***&q=1')
    expect(lines[0]).toContain('https://h/?token=*** failed')
    for (const secret of ['S3cret', 'AK&', 'Tok3nValue']) expect(lines[0]).not.toContain(secret)
  })

  it('masks them in readable lines too', () => {
    const lines: string[] = []
    createLogger({ format: 'pretty', write: (line) => { lines.push(line) } }).log('info', 'run_started', {
      url: 'http://svc:S3cret@h/?api_key=AK&q=1', nested: { error: 'GET https://h/?token=Tok3nValue failed' },
    })
    expect(lines[0]).toContain('url="http://***@h/?api_key=***&q=1"')
    for (const secret of ['S3cret', 'AK&', 'Tok3nValue']) expect(lines[0]).not.toContain(secret)
  })
})

describe('agent log lines', () => {
  it('are JSON off a terminal and readable on one; LOG_FORMAT decides when set', () => {
    expect(logFormatOf({}, false)).toBe('json')
    expect(logFormatOf({}, true)).toBe('pretty')
    expect(logFormatOf({ LOG_FORMAT: 'json' }, true)).toBe('json')
    expect(logFormatOf({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty')
  })

  it('pretty: time, level, event and fields on one line; json: one object per line', () => {
    const lines: string[] = []
    createLogger({ format: 'pretty', write: (l) => lines.push(l) })
      .log('warn', 'delivery_failed', { run: 'r1', err: 'connect ECONNREFUSED' })
    createLogger({ write: (l) => lines.push(l) }).log('info', 'agent_starting', { agent: 'a' })
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}delivery_failed run=r1 err="connect ECONNREFUSED"\n$/)
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ level: 'info', event: 'agent_starting', agent: 'a' })
  })
})
