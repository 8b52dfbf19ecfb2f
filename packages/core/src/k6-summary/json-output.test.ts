import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorKindOfK6Code, parseK6JsonOutput } from './index.js'

const FIXTURES = new URL('../../../../fixtures/k6/', import.meta.url)

describe('parseK6JsonOutput', () => {
  it('counts the 5 responses of out-json-5-iterations.jsonl by status', () => {
    const lines = readFileSync(new URL('out-json-5-iterations.jsonl', FIXTURES), 'utf8').split('\n')
    expect(parseK6JsonOutput(lines)).toEqual({ statusCodes: { 200: 5 }, errorKinds: {}, requests: 5 })
  })

  it('counts transport failures by error kind', () => {
    const point = (tags: Record<string, string>) => JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { value: 1, tags } })
    const counts = parseK6JsonOutput([
      point({ status: '0', error_code: '1050' }),
      point({ status: '0', error_code: '1212' }),
      point({ status: '0', error_code: '1212' }),
      point({ status: '503', error_code: '1503' }),
      JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { value: 3, tags: { status: '200' } } }),
      '',
    ])
    expect(counts).toEqual({ statusCodes: { 503: 1 }, errorKinds: { timeout: 1, refused: 2 }, requests: 4 })
  })

  it.each([[1050, 'timeout'], [1101, 'dns'], [1212, 'refused'], [1220, 'reset'], [1311, 'tls'], [1000, 'other'], [1404, undefined]])(
    'error_code %s → %s', (code, kind) => {
      expect(errorKindOfK6Code(code)).toBe(kind)
    })
})
