import { describe, expect, it } from 'vitest'
import { resolveSettings } from './settings.js'

describe('resolveSettings', () => {
  it('uses the documented defaults', () => {
    const s = resolveSettings({ env: {} })
    expect(s).toMatchObject({ port: 3000, host: '127.0.0.1', fleetScaler: 'none', dashboardRequireAuth: false, logLevel: 'info' })
    expect(s.database).toEqual({ kind: 'sqlite', file: `${s.dataDir}/loadfleet.db` })
    expect(s.dataDir.endsWith('/data')).toBe(true)
  })

  it('reads the environment, and options win over it', () => {
    const env = {
      PORT: '8080', HOST: '0.0.0.0', DATA_DIR: '/tmp/lf', DATABASE_URL: 'postgres://u@db:5432/x',
      ADMIN_BASIC_AUTH: 'root:a-long-enough-pw', DASHBOARD_SECRET: 'secret-123', DASHBOARD_REQUIRE_AUTH: 'true', FLEET_SCALER: 'compose',
    }
    expect(resolveSettings({ env })).toMatchObject({
      port: 8080, host: '0.0.0.0', dataDir: '/tmp/lf', database: { kind: 'postgres', url: 'postgres://u@db:5432/x' },
      adminBasicAuth: 'root:a-long-enough-pw', dashboardSecret: 'secret-123', dashboardRequireAuth: true, fleetScaler: 'compose',
    })
    expect(resolveSettings({ env, port: 0, fleetScaler: 'process', databaseUrl: 'postgresql://other/y' }))
      .toMatchObject({ port: 0, fleetScaler: 'process', database: { kind: 'postgres', url: 'postgresql://other/y' } })
  })

  it.each([
    [{ PORT: 'http' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ADMIN_BASIC_AUTH: 'nocolon' }, 'ADMIN_BASIC_AUTH'],
    [{ ADMIN_BASIC_AUTH: 'user:' }, 'ADMIN_BASIC_AUTH'],
    [{ DASHBOARD_SECRET: 'short' }, 'DASHBOARD_SECRET'],
    [{ DASHBOARD_REQUIRE_AUTH: 'maybe' }, 'DASHBOARD_REQUIRE_AUTH'],
    [{ FLEET_SCALER: 'swarm' }, 'FLEET_SCALER'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT'],
  ])('refuses %o with one message naming %s', (env, name) => {
    expect(() => resolveSettings({ env })).toThrow(expect.objectContaining({
      code: 'LF_SETTINGS_INVALID', message: expect.stringMatching(new RegExp(`^${name}: `)) as unknown,
    }))
  })
})

describe('admin password', () => {
  it.each(['admin:CHANGE-ME', 'admin:changeme', 'admin:admin', 'admin:password', 'ops:Password', 'admin:change_me'])(
    'refuses the placeholder in %s with one line saying why', (auth) => {
      expect(() => resolveSettings({ env: { ADMIN_BASIC_AUTH: auth } })).toThrow(new RegExp('^ADMIN_BASIC_AUTH: the password ".+" ' +
        'is a placeholder anyone can guess; set a real password, or unset ADMIN_BASIC_AUTH to have one generated$'))
    })

  it('refuses passwords shorter than 12 characters, also when given as an option', () => {
    expect(() => resolveSettings({ env: {}, adminBasicAuth: 'admin:s3cr3t-pw' }))
      .toThrow('ADMIN_BASIC_AUTH: the password has 9 characters, fewer than 12;')
    expect(resolveSettings({ env: { ADMIN_BASIC_AUTH: 'admin:twelve-chars' } }).adminBasicAuth).toBe('admin:twelve-chars')
  })

  describe('single sign-on', () => {
    const OIDC = { OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'loadfleet', OIDC_CLIENT_SECRET: 's3cret' }

    it('requires sign-in for reads once OIDC is configured, unless DASHBOARD_REQUIRE_AUTH=false says otherwise', () => {
      expect(resolveSettings({ env: OIDC }).dashboardRequireAuth).toBe(true)
      expect(resolveSettings({ env: { ...OIDC, DASHBOARD_REQUIRE_AUTH: 'false' } }).dashboardRequireAuth).toBe(false)
      expect(resolveSettings({ env: {} }).oidc).toBeUndefined()
    })

    it('maps groups to roles, refuses unmapped users by default, and derives the callback from EXTERNAL_URL', () => {
      const s = resolveSettings({ env: { ...OIDC, OIDC_ROLE_MAP: 'team-sre=admin, devs=editor', EXTERNAL_URL: 'https://lf.example.com/' } })
      expect(s.oidc).toMatchObject({ defaultRole: 'none', groupsClaim: 'groups', redirectUrl: 'https://lf.example.com/api/auth/callback' })
      expect([...s.oidc?.roleMap ?? []]).toEqual([['team-sre', 'admin'], ['devs', 'editor']])
    })

    it.each([
      [{ OIDC_ISSUER: 'https://login.example.com' }, 'OIDC_CLIENT_ID'],
      [{ OIDC_CLIENT_ID: 'x' }, 'OIDC_ISSUER'],
      [{ ...OIDC, OIDC_ISSUER: 'http://login.example.com' }, 'OIDC_ISSUER'],
      [{ ...OIDC, OIDC_ROLE_MAP: 'devs=owner' }, 'OIDC_ROLE_MAP'],
      [{ ...OIDC, OIDC_ROLE_MAP: 'devs' }, 'OIDC_ROLE_MAP'],
      [{ ...OIDC, OIDC_DEFAULT_ROLE: 'root' }, 'OIDC_DEFAULT_ROLE'],
      [{ ...OIDC, OIDC_REDIRECT_URL: 'http://lf.example.com/api/auth/callback' }, 'OIDC_REDIRECT_URL'],
    ])('refuses %o naming %s', (env, name) => {
      expect(() => resolveSettings({ env })).toThrow(expect.objectContaining({
        code: 'LF_SETTINGS_INVALID', message: expect.stringMatching(new RegExp(`^${name}: `)) as unknown,
      }))
    })
  })
})
