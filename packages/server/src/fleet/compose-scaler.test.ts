import { describe, expect, it } from 'vitest'
import type { CommandRunner } from './command-runner.js'
import { ComposeScaler } from './compose-scaler.js'
import { FleetReconciler } from './reconciler.js'
import { SILENT_LOGGER } from './fleet-scaler.js'

/** A fake Docker engine: records every command and keeps a container count that `up --scale` changes. */
function fakeDocker (options: { failUp?: string } = {}) {
  const calls: string[] = []
  let containers = 0
  const run: CommandRunner = (command, args) => {
    calls.push([command, ...args].join(' '))
    const scale = args.find((arg) => arg.startsWith('k6agent='))
    if (args.includes('up')) {
      if (options.failUp !== undefined) return Promise.resolve({ code: 1, stdout: '', stderr: `warming up\n${options.failUp}\n` })
      containers = Number(scale?.split('=')[1])
      return Promise.resolve({ code: 0, stdout: '', stderr: '' })
    }
    const ids = Array.from({ length: containers }, (_, i) => `c0ffee${i}`)
    return Promise.resolve({ code: 0, stdout: ids.map((id) => `${id}\n`).join(''), stderr: '' })
  }
  return { run, calls }
}

describe('ComposeScaler (fake Docker engine)', () => {
  it('runs exactly `docker compose -p <project> -f <file> up -d --scale k6agent=N --no-recreate`', async () => {
    const docker = fakeDocker()
    const scaler = new ComposeScaler({ project: 'ai_forse_k6', file: 'docker-compose.k6-fleet.yml', run: docker.run })
    expect(await scaler.scale(5)).toEqual({ running: 5, note: null })
    expect(docker.calls).toEqual([
      'docker compose -p ai_forse_k6 -f docker-compose.k6-fleet.yml ps --status running -q k6agent',
      'docker compose -p ai_forse_k6 -f docker-compose.k6-fleet.yml up -d --scale k6agent=5 --no-recreate',
      'docker compose -p ai_forse_k6 -f docker-compose.k6-fleet.yml ps --status running -q k6agent',
    ])
  })

  it('does not run `up` again while the service already has the desired count', async () => {
    const docker = fakeDocker()
    const scaler = new ComposeScaler({ project: 'p', file: 'f.yml', run: docker.run })
    await scaler.scale(2)
    docker.calls.length = 0
    expect(await scaler.scale(2)).toEqual({ running: 2, note: null })
    expect(docker.calls).toEqual(['docker compose -p p -f f.yml ps --status running -q k6agent'])
    await scaler.scale(0)
    expect(docker.calls.at(-2)).toBe('docker compose -p p -f f.yml up -d --scale k6agent=0 --no-recreate')
  })

  it('reports a failing `up` as the fleet\'s lastError, with the last line of its output', async () => {
    const docker = fakeDocker({ failUp: 'Cannot connect to the Docker daemon' })
    const reconciler = new FleetReconciler({
      kind: 'compose',
      scaler: new ComposeScaler({ project: 'p', file: 'f.yml', run: docker.run }),
      getDesiredCount: () => Promise.resolve(3),
      intervalMs: 60_000,
      logger: SILENT_LOGGER,
    })
    const status = await reconciler.reconcileNow()
    expect(status).toMatchObject({ scaler: 'compose', desired: 3, running: null })
    expect(status.lastError).toMatch(/exited with 1: Cannot connect to the Docker daemon$/)
    expect(status.lastReconcileAt).not.toBeNull()
    await reconciler.stop()
  })
})
