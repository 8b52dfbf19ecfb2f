import { describe, expect, it } from 'vitest'
import { parseEgressRule } from '../egress.js'
import { egressRuleCovers } from './egress-cover.js'

const rule = (text: string) => parseEgressRule(text, 'TARGET_ALLOW')!

describe('egressRuleCovers: a child rule within a parent rule', () => {
  it.each([
    ['*', 'api.shop.test:443', true],
    ['*.shop.test', 'api.shop.test:443', true],
    ['*.shop.test', '*.eu.shop.test', true],
    ['*.shop.test', 'shop.test', false],
    ['*.shop.test:443', 'api.shop.test', false],
    ['*.shop.test:443', 'api.shop.test:80', false],
    ['api.shop.test', 'api.shop.test:443', true],
    ['api.shop.test', '*.shop.test', false],
    ['localhost:3000-3999', 'localhost:3001', true],
    ['localhost:3000-3999', 'localhost:2999-3001', false],
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.0.0.0/8', '11.0.0.0/16', false],
    ['10.0.0.0/8', '10.2.3.4:80', true],
    ['10.0.0.0/8', 'db.internal', false],
    ['api.shop.test', '*', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(egressRuleCovers(rule(outer), rule(inner))).toBe(expected)
  })
})
