import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, ROUTES, type AuditEntry } from '@loadfleet/api'
import { startServer, type RunningServer } from '@loadfleet/server'
import { launchBrowser, type Browser } from './helpers/browser.js'
import { startOidcProvider, type OidcProvider } from './helpers/oidc-provider.js'

// The dashboard's own paths (packages/web/src/router.tsx).
const FLEET = '/agents/k6'
const SITES = '/agents/k6/sites'
const USERS = {
  alice: { name: 'Alice Admin', email: 'alice@example.com', groups: ['team-sre', 'devs'] },
  bob: { name: 'Bob Editor', email: 'bob@example.com', groups: ['devs'] },
  carol: { name: 'Carol Viewer', email: 'carol@example.com', groups: ['readers'] },
  dave: { name: 'Dave Outsider', email: 'dave@example.com', groups: ['contractors'] },
}

/** Signs in through the dashboard's SSO button and the provider's own login and consent pages. */
async function signInWithSso (page: Page, login: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with SSO' }).click()
  await page.locator('input[name="login"]').fill(login)
  await page.locator('input[name="password"]').fill('any password')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await page.getByRole('button', { name: 'Continue' }).click()
}

interface Answer { code?: string, details?: Record<string, unknown>, id?: string }

/** A request from inside the dashboard page (same origin, with its cookies), optionally with the CSRF token. */
async function pageFetch (page: Page, method: string, path: string, options: { csrf: boolean, body?: unknown }):
Promise<{ status: number, body: Answer }> {
  return await page.evaluate(async ({ method, path, csrf, body }) => {
    const me = await (await fetch('/api/auth/me')).json() as { csrfToken: string | null }
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (csrf && me.csrfToken !== null) headers['x-csrf-token'] = me.csrfToken
    const res = await fetch(path, { method, headers, body: JSON.stringify(body ?? {}) })
    return { status: res.status, body: await res.json() as Answer }
  }, { method, path, csrf: options.csrf, body: options.body })
}

async function sessionCookie (browser: Browser): Promise<string | undefined> {
  return (await browser.context.cookies()).find((c) => c.name === 'lf_session')?.value
}

describe('single sign-on through a real OIDC provider, in Chromium', () => {
  let provider: OidcProvider
  let server: RunningServer
  let dataDir: string
  let admin: ApiClient
  const browsers: Browser[] = []

  beforeAll(async () => {
    provider = await startOidcProvider(USERS)
    dataDir = await mkdtemp(join(tmpdir(), 'lf-sso-'))
    server = await startServer({
      port: 0, dataDir, logLevel: 'silent', env: {
        OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret,
        OIDC_ROLE_MAP: 'team-sre=admin, devs=editor, readers=viewer', OIDC_SCOPES: 'openid email profile groups',
      },
    })
    // No OIDC_REDIRECT_URL: the callback URL is derived from the request, as on a laptop.
    provider.register(`${server.url}${ROUTES.authCallback}`)
    admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
  })
  afterAll(async () => {
    for (const browser of browsers) await browser.close()
    await server.close()
    await provider.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  async function openDashboard (path: string): Promise<Browser> {
    const browser = await launchBrowser()
    browsers.push(browser)
    await browser.page.goto(`${server.url}${path}`)
    return browser
  }

  it('closes the read API to anonymous callers once single sign-on is configured', async () => {
    const res = await fetch(`${server.url}${ROUTES.dashboardTargets}`)
    expect(res.status).toBe(401)
    const me = await (await fetch(`${server.url}${ROUTES.authMe}`)).json() as Record<string, unknown>
    expect(me).toMatchObject({ oidc: true, requireAuth: true, user: null, csrfToken: null })
  })

  it('signs a viewer in: name and role shown, no edit buttons, and a write is 403 naming the permission', async () => {
    await admin.createTarget({ url: 'http://127.0.0.1:9/existing', label: 'Existing site' })
    const { page, problems } = await openDashboard(SITES)
    await signInWithSso(page, 'carol')
    await page.waitForURL(`${server.url}${SITES}`)
    // Before sign-in the read API answered 401, and the provider's pages are not ours: only what follows counts.
    problems.splice(0)
    const account = page.locator('.account')
    await account.getByText('Carol Viewer').waitFor()
    expect(await account.locator('.account-role').textContent()).toBe('viewer')
    await page.getByRole('link', { name: 'Existing site' }).waitFor()
    expect(await page.getByRole('button', { name: 'Add site' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /^Delete / }).count()).toBe(0)
    expect(await page.getByRole('switch').first().isDisabled()).toBe(true)
    const cookie = (await browsers[0]?.context.cookies())?.find((c) => c.name === 'lf_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false })

    const denied = await pageFetch(page, 'POST', ROUTES.adminTargets, { csrf: true, body: { url: 'http://127.0.0.1:9/v' } })
    expect(denied.status).toBe(403)
    expect(denied.body).toMatchObject({
      code: 'LF_PERMISSION_DENIED', details: { permission: 'edit', role: 'viewer', route: `POST ${ROUTES.adminTargets}` },
    })
    expect(problems.filter((p) => !p.includes('403'))).toEqual([])
  })

  it('lets an editor add a site through the form; a change without the CSRF token is refused', async () => {
    const { page } = await openDashboard(SITES)
    await signInWithSso(page, 'bob')
    await page.locator('.account').getByText('Bob Editor').waitFor()
    await page.getByRole('button', { name: 'Add site' }).click()
    const form = page.getByRole('form', { name: 'Add site' })
    await form.getByLabel('URL').fill('http://127.0.0.1:9/from-sso')
    await form.getByLabel('Label').fill('Added by Bob')
    await form.getByRole('button', { name: 'Add site' }).click()
    await page.getByRole('link', { name: 'Added by Bob' }).waitFor()
    // No admin credentials were asked for: the session did it.
    expect(await page.getByRole('dialog', { name: 'Admin sign-in' }).count()).toBe(0)

    const noToken = await pageFetch(page, 'POST', ROUTES.adminTargets, { csrf: false, body: { url: 'http://127.0.0.1:9/csrf' } })
    expect(noToken.status).toBe(403)
    expect(noToken.body).toMatchObject({ code: 'LF_CSRF_TOKEN_INVALID', details: { header: 'X-CSRF-Token' } })
    const sites = (await admin.listTargets()).data.map((t) => t.url)
    expect(sites).toContain('http://127.0.0.1:9/from-sso')
    expect(sites).not.toContain('http://127.0.0.1:9/csrf')
    const audit = (await admin.listAudit({ limit: 50 })).data
    expect(audit).toContainEqual(expect.objectContaining({ action: 'create', entity: 'target', actor: 'user:bob@example.com' }))
    // Admin-only routes stay closed to an editor.
    expect((await pageFetch(page, 'POST', ROUTES.adminTokens, { csrf: true, body: { name: 'x', role: 'admin' } })).body)
      .toMatchObject({ code: 'LF_PERMISSION_DENIED', details: { permission: 'admin', role: 'editor' } })
  })

  it('signs out: the cookie is cleared and the old session id no longer works anywhere', async () => {
    const browser = await openDashboard(FLEET)
    const { page } = browser
    await signInWithSso(page, 'alice')
    await page.locator('.account').getByText('Alice Admin').waitFor()
    expect(await page.locator('.account-role').textContent()).toBe('admin')
    const id = await sessionCookie(browser)
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const withCookie = { headers: { cookie: `lf_session=${id ?? ''}` } }
    expect((await fetch(`${server.url}${ROUTES.dashboardTargets}`, withCookie)).status).toBe(200)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor()
    expect(await sessionCookie(browser)).toBeUndefined()
    const replay = await fetch(`${server.url}${ROUTES.dashboardTargets}`, withCookie)
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ code: 'LF_SESSION_EXPIRED' })
  })

  it('refuses a user in no mapped group, says why on the dashboard, and audits sign-ins and the failure', async () => {
    const { page } = await openDashboard(FLEET)
    await signInWithSso(page, 'dave')
    await page.getByRole('alert').filter({ hasText: 'none of your groups has a role' }).waitFor()
    expect(new URL(page.url()).searchParams.get('signInError')).toBeNull()
    expect(await page.getByRole('link', { name: 'Sign in with SSO' }).count()).toBe(1)

    const audit: AuditEntry[] = (await admin.listAudit({ limit: 100 })).data
    const signIns = audit.filter((e) => e.action === 'sign_in').map((e) => [e.actor, e.change.role])
    expect(signIns).toEqual(expect.arrayContaining([
      ['user:carol@example.com', 'viewer'], ['user:bob@example.com', 'editor'], ['user:alice@example.com', 'admin'],
    ]))
    expect(audit).toContainEqual(expect.objectContaining({ action: 'sign_out', actor: 'user:alice@example.com' }))
    expect(audit).toContainEqual(expect.objectContaining({
      action: 'sign_in_failed', entity: 'session',
      change: expect.objectContaining({ reason: 'no_role', subject: 'dave', groups: ['contractors'] }) as unknown,
    }))
  })

  it('audits a forged callback that carries a real sign-in cookie but a wrong state', async () => {
    const browser = await openDashboard(FLEET)
    const { page } = browser
    await page.getByRole('link', { name: 'Sign in with SSO' }).click()
    await page.locator('input[name="login"]').waitFor()
    // The browser now holds a sign-in under way; a callback with another state must not complete it.
    await page.goto(`${server.url}${ROUTES.authCallback}?code=forged&state=not-the-state`)
    await page.getByRole('alert').filter({ hasText: 'could not be verified' }).waitFor()
    expect(await sessionCookie(browser)).toBeUndefined()
    const failed = (await admin.listAudit({ limit: 20 })).data.filter((e) => e.action === 'sign_in_failed')
    expect(failed[0]?.change).toMatchObject({ reason: 'invalid_response' })
  })
})
