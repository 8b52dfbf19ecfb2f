import { describe, expect, it } from 'vitest'
import { issuerProblem, looksLikeJwt, subjectPattern } from './workload-identity.js'

describe('trust rule subject patterns', () => {
  it.each([
    ['repo:acme/shop:ref:refs/heads/*', 'repo:acme/shop:ref:refs/heads/main', true],
    ['repo:acme/shop:ref:refs/heads/*', 'repo:acme/shop:ref:refs/heads/feature/x', true],
    ['repo:acme/shop:ref:refs/heads/*', 'repo:acme/shop2:ref:refs/heads/main', false],
    ['repo:acme/shop:ref:refs/heads/*', 'xrepo:acme/shop:ref:refs/heads/main', false],
    ['repo:acme/shop:environment:prod', 'repo:acme/shop:environment:prod', true],
    ['repo:acme/shop:environment:prod', 'repo:acme/shop:environment:prod2', false],
    ['repo:acme/shop.v?:*', 'repo:acme/shop.v2:pull_request', true],
    ['repo:acme/shop.v?:*', 'repo:acme/shopXv2:pull_request', false],
    ['project_path:acme/(shop)+:*', 'project_path:acme/(shop)+:ref:main', true],
    ['project_path:acme/(shop)+:*', 'project_path:acme/shopshop:ref:main', false],
  ])('%s against %s → %s', (pattern, subject, expected) => {
    expect(subjectPattern(pattern).test(subject)).toBe(expected)
  })

  it('takes only https issuers, but http on loopback', () => {
    expect(issuerProblem('https://token.actions.githubusercontent.com')).toBeUndefined()
    expect(issuerProblem('http://127.0.0.1:8080')).toBeUndefined()
    expect(issuerProblem('http://ci.example.com')).toMatch(/must be https/)
  })

  it('tells a compact JWT from an lf_ token', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true)
    expect(looksLikeJwt(`lf_${'a'.repeat(43)}`)).toBe(false)
  })
})
