import { describe, expect, it } from 'vitest'
import { createEgressPolicy, egressRefusal } from './egress.js'

describe('egress policy', () => {
  const { policy, errors } = createEgressPolicy({ deny: '127.0.0.0/8:22 10.0.0.0/8, [fd00::]/8:443 *.internal :25' })

  it('parses every rule form', () => { expect(errors).toEqual([]) })

  it.each([
    [{ host: '169.254.169.254', port: 80 }, /built-in rule "169.254.0.0\/16"/],
    [{ host: 'metadata.google.internal', port: 80 }, /built-in rule "metadata.google.internal"/],
    [{ host: '[fe80::1]', port: 80 }, /fe80::\/10/],
    [{ host: '[fd00:ec2::254]', port: 80 }, /fd00:ec2::254/],
    [{ host: 'evil.example', port: 80, address: '::ffff:169.254.1.1' }, /169.254.0.0\/16/],
    [{ host: '127.0.0.1', port: 22 }, /TARGET_DENY rule "127.0.0.0\/8:22"/],
    [{ host: 'localhost', port: 22, address: '127.0.0.1' }, /localhost \(127.0.0.1\):22 is denied by TARGET_DENY rule "127.0.0.0\/8:22"/],
    [{ host: 'db.internal', port: 5432 }, /\*\.internal/],
    [{ host: 'mail.example', port: 25 }, /":25"/],
    [{ host: 'h', port: 443, address: 'fd12::1' }, /\[fd00::\]\/8:443/],
  ])('refuses %j', (destination, rule) => {
    expect(egressRefusal(policy, destination)).toMatch(rule)
  })

  it.each([
    { host: '127.0.0.1', port: 80 }, { host: 'localhost', port: 3000, address: '127.0.0.1' }, { host: '[::1]', port: 80 },
    { host: 'example.com', port: 443 }, { host: 'h', port: 80, address: 'fd12::1' }, { host: 'localhost', port: 22 },
  ])('allows %j', (destination) => {
    expect(egressRefusal(policy, destination)).toBeUndefined()
  })

  it('admits only what TARGET_ALLOW lists, deciding address rules after DNS', () => {
    const allowOnly = createEgressPolicy({ allow: '127.0.0.0/8 example.com:443 *.corp.example' }).policy
    expect(egressRefusal(allowOnly, { host: 'example.com', port: 443 })).toBeUndefined()
    expect(egressRefusal(allowOnly, { host: 'a.corp.example', port: 8080 })).toBeUndefined()
    expect(egressRefusal(allowOnly, { host: 'example.com', port: 80, address: '93.184.216.34' })).toMatch(/no TARGET_ALLOW rule/)
    expect(egressRefusal(allowOnly, { host: 'localhost', port: 80 })).toBeUndefined()
    expect(egressRefusal(allowOnly, { host: 'localhost', port: 80, address: '127.0.0.1' })).toBeUndefined()
    expect(egressRefusal(allowOnly, { host: 'localhost', port: 80, address: '10.0.0.1' })).toMatch(/no TARGET_ALLOW rule/)
    expect(egressRefusal(allowOnly, { host: '169.254.169.254', port: 80 })).toMatch(/built-in/)
  })

  it('names each rule that is not one', () => {
    const bad = createEgressPolicy({ deny: 'bad/rule 1.2.3.4/99 :99999 a_b', allow: 'http://x/' }).errors
    expect(bad).toHaveLength(5)
    expect(bad[0]).toMatch(/^TARGET_ALLOW: "http:\/\/x\/"/)
  })
})
