import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadOrCreateSecrets } from './secrets.js'

describe('loadOrCreateSecrets', () => {
  const dirs: string[] = []
  afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-secrets-'))
    dirs.push(dir)
    return join(dir, 'data')
  }

  it('generates strong secrets once, stores them with mode 0600, and reuses them', () => {
    const dataDir = tempDir()
    const first = loadOrCreateSecrets({ dataDir, adminBasicAuth: undefined, dashboardSecret: undefined })
    expect(first.generated).toEqual(['ADMIN_BASIC_AUTH', 'DASHBOARD_SECRET'])
    expect(first.adminBasicAuth).toMatch(/^admin:[A-Za-z0-9_-]{43}$/)
    expect(first.dashboardSecret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const file = join(dataDir, 'secrets.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const second = loadOrCreateSecrets({ dataDir, adminBasicAuth: undefined, dashboardSecret: undefined })
    expect(second).toEqual({ ...first, generated: [] })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ adminBasicAuth: first.adminBasicAuth, dashboardSecret: first.dashboardSecret })
  })

  it('uses configured secrets and generates only the missing one', () => {
    const dataDir = tempDir()
    const s = loadOrCreateSecrets({ dataDir, adminBasicAuth: 'root:pw', dashboardSecret: undefined })
    expect(s.adminBasicAuth).toBe('root:pw')
    expect(s.generated).toEqual(['DASHBOARD_SECRET'])
    expect(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'))).not.toHaveProperty('adminBasicAuth')
  })
})
