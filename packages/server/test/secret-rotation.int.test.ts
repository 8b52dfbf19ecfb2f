import { execFile } from 'node:child_process'
import { randomBytes, createHmac } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@loadfleet/api'
import { startServer } from '../src/index.js'

// A real control plane restarted with new keys, sending signed test notifications to a real local receiver.
const SECRET = 'rotate-me-signing-secret'
let dataDir: string
let receiver: Server
let hookUrl: string
const received: Array<{ body: string, signature: string | undefined }> = []

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lf-rotation-'))
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      received.push({ body, signature: req.headers['x-loadfleet-signature'] as string | undefined })
      res.end('ok')
    })
  })
  await once(receiver.listen(0, '127.0.0.1'), 'listening')
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
})

afterAll(async () => {
  receiver.close()
  await rm(dataDir, { recursive: true, force: true })
})

/** Starts the control plane on the same data with the given key settings, runs `work`, stops it. */
async function withServer (env: Record<string, string>, work: (admin: ApiClient) => Promise<void>): Promise<void> {
  const server = await startServer({ env, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
  try {
    await work(new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth }))
  } finally {
    await server.close()
  }
}

const expectSignedDelivery = async (admin: ApiClient, id: string): Promise<void> => {
  const result = await admin.testAlertChannel(id)
  expect(result).toMatchObject({ delivered: true })
  const last = received.at(-1)
  const expected = `sha256=${createHmac('sha256', SECRET).update(last?.body ?? '').digest('hex')}`
  expect(last?.signature).toBe(expected)
}

describe('alert channel secrets across key rotation', () => {
  const keyA = randomBytes(32).toString('base64')
  const keyB = randomBytes(32).toString('base64')
  let channelId = ''

  it('signs with the secret sealed under key A', async () => {
    await withServer({ LOADFLEET_SECRET_KEY: keyA }, async (admin) => {
      channelId = (await admin.createAlertChannel({ name: 'ops', type: 'webhook', url: hookUrl, secret: SECRET })).id
      await expectSignedDelivery(admin, channelId)
    })
  })

  it('a restart with key B and A as previous reseals, after which B alone suffices', async () => {
    await withServer({ LOADFLEET_SECRET_KEY: keyB, LOADFLEET_SECRET_KEYS_PREVIOUS: keyA }, async (admin) => {
      await expectSignedDelivery(admin, channelId)
    })
    await withServer({ LOADFLEET_SECRET_KEY: keyB }, async (admin) => {
      await expectSignedDelivery(admin, channelId)
      expect((await admin.listAlertChannels()).data[0]?.url).toBe(hookUrl)
    })
  })

  it('without the key, the control plane still starts, and the channel says why it cannot send', async () => {
    const before = received.length
    await withServer({ LOADFLEET_SECRET_KEY: randomBytes(32).toString('base64') }, async (admin) => {
      const result = await admin.testAlertChannel(channelId)
      expect(result.delivered).toBe(false)
      expect(result.error).toMatch(/sealed with key [0-9a-f]{12}, which this control plane does not have/)
      expect((await admin.listAlertChannels()).data[0]?.url).toBe('(sealed with a key this control plane does not have)')
    })
    expect(received.length).toBe(before)
  })
})

describe('target secret headers across key rotation', () => {
  const keyA = randomBytes(32).toString('base64')
  const keyB = randomBytes(32).toString('base64')
  const VALUE = 'Bearer rotate-me-header-value'
  let targetId = ''

  /** What an agent polling now receives for the target. */
  async function agentView (server: { url: string, agentToken: string }): Promise<Record<string, unknown> | undefined> {
    const agent = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
    await agent.registerAgent({ name: 'rotation-agent' })
    return (await agent.agentTargets('rotation-agent')).data.find((t) => t.id === targetId)
  }

  async function withRawServer (env: Record<string, string>, work: (server: Awaited<ReturnType<typeof startServer>>) =>
  Promise<void>): Promise<void> {
    const server = await startServer({ env, port: 0, dataDir, fleetScaler: 'none', logLevel: 'silent' })
    try {
      await work(server)
    } finally {
      await server.close()
    }
  }

  it('a value sealed under key A reaches agents after a rotation to key B', async () => {
    await withRawServer({ LOADFLEET_SECRET_KEY: keyA }, async (server) => {
      const admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
      targetId = (await admin.createTarget({ url: 'http://127.0.0.1:9/', secretHeaders: { Authorization: VALUE } })).id
      expect((await agentView(server))?.secretHeaders).toEqual({ Authorization: VALUE })
    })
    await withRawServer({ LOADFLEET_SECRET_KEY: keyB, LOADFLEET_SECRET_KEYS_PREVIOUS: keyA }, async () => {})
    await withRawServer({ LOADFLEET_SECRET_KEY: keyB }, async (server) => {
      expect((await agentView(server))?.secretHeaders).toEqual({ Authorization: VALUE })
    })
  })

  it('without the key, agents are told which header cannot be opened, and get no value', async () => {
    await withRawServer({ LOADFLEET_SECRET_KEY: randomBytes(32).toString('base64') }, async (server) => {
      const view = await agentView(server)
      expect(view?.unreadableSecretHeaders).toEqual(['Authorization'])
      expect(view?.secretHeaders).toEqual({})
    })
  })
})

describe('`loadfleet secrets rotate`, the real command, on the control plane\'s data', () => {
  const CLI = fileURLToPath(new URL('../../cli/bin/loadfleet.js', import.meta.url))
  const keyA = randomBytes(32).toString('base64')
  const VALUE = 'Bearer rotated-by-command'
  let rotateDir = ''
  let targetId = ''

  /** Runs the built CLI with only these settings (and PATH); never throws on a non-zero exit. */
  async function loadfleet (args: string[], env: Record<string, string>):
  Promise<{ code: number, stdout: string, stderr: string }> {
    return await new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: rotateDir, ...env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr }))
    })
  }

  async function withServerOn (env: Record<string, string>, work: (server: Awaited<ReturnType<typeof startServer>>) =>
  Promise<void>): Promise<void> {
    const server = await startServer({ env, port: 0, dataDir: rotateDir, fleetScaler: 'none', logLevel: 'silent' })
    try {
      await work(server)
    } finally {
      await server.close()
    }
  }

  beforeAll(async () => {
    rotateDir = await mkdtemp(join(tmpdir(), 'lf-rotate-cli-'))
    await withServerOn({ LOADFLEET_SECRET_KEY: keyA }, async (server) => {
      const admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
      targetId = (await admin.createTarget({ url: 'http://127.0.0.1:9/', secretHeaders: { Authorization: VALUE } })).id
      await admin.createAlertChannel({ name: 'ops', type: 'webhook', url: hookUrl, secret: SECRET })
    })
  })
  afterAll(async () => { await rm(rotateDir, { recursive: true, force: true }) })

  it('prints a usable new key', async () => {
    const { code, stdout } = await loadfleet(['secrets', 'new-key'], {})
    expect(code).toBe(0)
    expect(Buffer.from(stdout.trim(), 'base64')).toHaveLength(32)
  })

  it('re-encrypts sites and channels with the new key, after which the old key is not needed', async () => {
    const keyB = (await loadfleet(['secrets', 'new-key'], {})).stdout.trim()
    const rotated = await loadfleet(['secrets', 'rotate'], { LOADFLEET_SECRET_KEY: keyB, LOADFLEET_SECRET_KEYS_PREVIOUS: keyA })
    expect(rotated.stderr).toBe('')
    expect(rotated.code).toBe(0)
    expect(rotated.stdout).toMatch(/^resealed with key [0-9a-f]{12}: 1 site\(s\), 1 alert channel\(s\)\n$/)
    // A second run has nothing left to do.
    expect((await loadfleet(['secrets', 'rotate'], { LOADFLEET_SECRET_KEY: keyB })).stdout).toMatch(/: 0 site\(s\), 0 alert/)
    // Key A is gone: only the command can have moved the values to key B.
    await withServerOn({ LOADFLEET_SECRET_KEY: keyB }, async (server) => {
      const agent = new ApiClient({ baseUrl: server.url, agentToken: server.agentToken })
      await agent.registerAgent({ name: 'rotate-cli-agent' })
      const view = (await agent.agentTargets('rotate-cli-agent')).data.find((t) => t.id === targetId)
      expect(view?.secretHeaders).toEqual({ Authorization: VALUE })
      const admin = new ApiClient({ baseUrl: server.url, adminAuth: server.adminAuth })
      expect((await admin.listAlertChannels()).data[0]?.url).toBe(hookUrl)
      const audit = (await admin.listAudit()).data.find((e) => e.action === 'rotate')
      expect(audit).toMatchObject({ actor: 'cli:secrets-rotate', entity: 'secret_key', address: null })
      expect(JSON.stringify(audit)).not.toContain(keyB)
    })
  })

  it('names what it could not open and exits 1 when the old key is not given', async () => {
    const keyC = randomBytes(32).toString('base64')
    const { code, stdout, stderr } = await loadfleet(['secrets', 'rotate'], { LOADFLEET_SECRET_KEY: keyC })
    expect(code).toBe(1)
    expect(stdout).toMatch(/0 site\(s\), 0 alert channel\(s\)/)
    expect(stderr).toBe('loadfleet secrets rotate: 1 site(s) and 1 alert channel(s) hold values sealed with a key not ' +
      'given; add it to LOADFLEET_SECRET_KEYS_PREVIOUS and run again\n')
  })

  it('refuses a malformed key in one line naming the setting', async () => {
    const { code, stderr } = await loadfleet(['secrets', 'rotate'], { LOADFLEET_SECRET_KEY: 'short' })
    expect(code).toBe(104)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^loadfleet secrets rotate: .*LOADFLEET_SECRET_KEY/)
  })
})
