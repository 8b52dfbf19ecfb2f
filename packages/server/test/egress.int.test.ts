import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '@loadfleet/api'
import { createEgressPolicy } from '@loadfleet/core/egress'
import { resolveSettings } from '../src/settings.js'
import { adminHeader, createInjectApp, tableCounts, type InjectApp } from './helpers/inject-app.js'

const admin = { 'content-type': 'application/json', authorization: adminHeader }

describe('egress policy on save', () => {
  let t: InjectApp
  let defaults: InjectApp
  beforeAll(async () => {
    t = await createInjectApp({ egress: createEgressPolicy({ deny: '127.0.0.0/8:22 *.corp.example 10.0.0.0/8' }).policy })
    defaults = await createInjectApp()
  })
  afterAll(async () => {
    await t.close()
    await defaults.close()
  })

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /built-in rule "169.254.0.0\/16"/],
    ['http://metadata.google.internal/computeMetadata/v1/', /built-in rule "metadata.google.internal"/],
    ['http://[fe80::1]/', /built-in rule "fe80::\/10"/],
    ['http://[fd00:ec2::254]/', /fd00:ec2::254/],
    ['http://[::ffff:169.254.169.254]/', /169.254/],
    ['http://127.0.0.1:22/', /TARGET_DENY rule "127.0.0.0\/8:22"/],
    ['http://db.corp.example/', /TARGET_DENY rule "\*.corp.example"/],
    ['https://u:pw@10.1.2.3/?token=t', /TARGET_DENY rule "10.0.0.0\/8"/],
  ])('refuses %s with 400 naming the rule, nothing written', async (url, rule) => {
    const before = await tableCounts(t.store)
    const res = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url } })
    expect(res.statusCode).toBe(400)
    const body = res.json<{ code: string, details: { issues: Array<{ path: string, message: string }> } }>()
    expect(body.code).toBe('LF_TARGET_DENIED')
    expect(body.details.issues[0]?.path).toBe('body.url')
    expect(body.details.issues[0]?.message).toMatch(rule)
    expect(res.body).not.toContain('pw@')
    expect(await tableCounts(t.store)).toEqual(before)
  })

  it('refuses a patch into a denied range too', async () => {
    const created = await t.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url: 'http://127.0.0.1:8080/' } })
    expect(created.statusCode).toBe(201)
    const id = created.json<{ id: string }>().id
    const res = await t.app.inject({ method: 'PATCH', url: ROUTES.adminTarget(id), headers: admin, payload: { url: 'http://127.0.0.1:22/' } })
    expect(res.statusCode).toBe(400)
    expect(res.json<{ code: string }>().code).toBe('LF_TARGET_DENIED')
  })

  it('keeps loopback allowed by default, for the local quick start', async () => {
    for (const url of ['http://localhost:3000/', 'http://127.0.0.1:8080/', 'http://[::1]:9/']) {
      const res = await defaults.app.inject({ method: 'POST', url: ROUTES.adminTargets, headers: admin, payload: { url } })
      expect(res.statusCode).toBe(201)
    }
  })

  it('refuses a setting that is not a rule, naming it', () => {
    expect(() => resolveSettings({ env: { TARGET_DENY: '10.0.0.0/99' } })).toThrow(/TARGET_DENY.*10.0.0.0\/99/)
    expect(() => resolveSettings({ env: { TARGET_ALLOW: 'http://x/' } })).toThrow(/TARGET_ALLOW/)
  })
})
