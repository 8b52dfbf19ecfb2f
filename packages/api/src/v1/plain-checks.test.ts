import { describe, expect, it } from 'vitest'
import { TargetCreate } from './schemas.js'
import { httpUrlProblem, isSecretParamName, maskUrl, maskUrlsIn, targetIssues, textProblem } from './plain-checks.js'

describe('textProblem', () => {
  it.each([
    ['plain', undefined], ['emoji 👩‍👩‍👧', undefined], ['a\u0000b', /NUL/], ['\ud800', /surrogate/], ['x\udfff', /surrogate/],
    ['\ud83d\ude00', undefined],
  ])('%j → %s', (text, expected) => {
    const problem = textProblem(text)
    if (expected === undefined) expect(problem).toBeUndefined()
    else expect(problem).toMatch(expected)
  })
})

describe('httpUrlProblem', () => {
  it.each([
    'http://example.com', 'https://user:pw@example.com:8443/a?b=1#c', 'http://127.0.0.1:3000/', 'http://[::1]/',
    'HTTP://EXAMPLE.COM/', 'http://bücher.example/a b',
  ])('accepts %s', (url) => { expect(httpUrlProblem(url)).toBeUndefined() })

  it.each([
    'file:///etc/passwd', 'javascript:alert(1)', 'gopher://h/', 'ftp://h/', 'http:///x', 'http:/x', 'http:x', '//h/x',
    ' http://h/', 'http://h/ ', 'http://h/\r\nx', 'http://h\t/', 'http:\\\\h\\x', 'http://h/\u0000', 'http://a b/',
    'http://', '', 'http://h:99999/',
  ])('refuses %j', (url) => { expect(httpUrlProblem(url)).toBeTypeOf('string') })

  it('agrees with the server schema on every case above', () => {
    for (const url of ['http://h/', 'http:///x', ' http://h/', 'gopher://h/', 'http://h/\tx', 'https://h:1/']) {
      expect(TargetCreate.safeParse({ url }).success).toBe(httpUrlProblem(url) === undefined)
    }
  })
})

describe('maskUrl', () => {
  it.each([
    ['http://svcuser:S3cretInUrl@h.example/p?api_key=AK1&x=1', 'http://***@h.example/p?api_key=***&x=1'],
    ['https://h/?token=t&Signature=s&X-Amz-Credential=c&page=2', 'https://h/?token=***&Signature=***&X-Amz-Credential=***&page=2'],
    ['http://h/?sig=1&password=2&passwd=3&secret=4&apikey=5&access_token=6&auth=7&key=8', 'http://h/?sig=***&password=***&passwd=***&secret=***&apikey=***&access_token=***&auth=***&key=***'],
    ['http://h/#access_token=abc&state=x', 'http://h/#access_token=***&state=x'],
    ['http://h/path?q=a%20b&monkey=x', 'http://h/path?q=a%20b&monkey=***'],
    ['http://h/?api%5Fkey=z', 'http://h/?api%5Fkey=***'],
    ['http://user@h/', 'http://***@h/'],
    ['http://h/plain', 'http://h/plain'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, masked) => { expect(maskUrl(url)).toBe(masked) })

  it('masks every URL inside free text', () => {
    expect(maskUrlsIn('GET http://u:p@h/?token=x failed; see https://h2/?a=1'))
      .toBe('GET http://***@h/?token=*** failed; see https://h2/?a=1')
  })

  it.each(['key', 'api_key', 'X-Api-Key', 'client_secret', 'refresh_token', 'sig', 'Signature', 'passwd'])('%s is a secret name', (name) => {
    expect(isSecretParamName(name)).toBe(true)
  })

  it.each(['q', 'page', 'keyword', 'id', 'sort'])('%s is not', (name) => { expect(isSecretParamName(name)).toBe(false) })
})

describe('targetIssues', () => {
  const good = {
    id: 't1', url: 'http://h/', label: '', vus: 1, durationS: 1, runIntervalMs: 1000, enabled: true, lastStartedAt: null,
  }
  it('accepts a stored target', () => { expect(targetIssues(good)).toEqual([]) })
  it.each([
    [{ vus: 1e9 }, 'vus'], [{ vus: 0 }, 'vus'], [{ vus: 1.5 }, 'vus'], [{ durationS: 3601 }, 'durationS'],
    [{ url: 'file:///etc/passwd' }, 'url'], [{ url: 'javascript:alert(1)' }, 'url'], [{ url: 'gopher://h:70/' }, 'url'],
    [{ url: 42 }, 'url'], [{ label: 'a\u0000' }, 'label'], [{ enabled: 'yes' }, 'enabled'], [{ id: '' }, 'id'],
    [{ runIntervalMs: 1 }, 'runIntervalMs'], [{ lastStartedAt: 'soon' }, 'lastStartedAt'],
  ])('names %j', (change, path) => {
    expect(targetIssues({ ...good, ...change }).map((i) => i.path)).toContain(path)
  })
  it('refuses what is no object', () => { expect(targetIssues(null)).toHaveLength(1) })
})
