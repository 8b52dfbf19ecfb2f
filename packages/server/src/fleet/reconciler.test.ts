import { describe, expect, it } from 'vitest'
import type { FleetScaler } from './fleet-scaler.js'
import { SILENT_LOGGER } from './fleet-scaler.js'
import { FleetReconciler } from './reconciler.js'
import { createFleetController } from './index.js'

/** A scaler that records the counts it was asked for; each pass takes `delayMs`. */
type RecordingScaler = FleetScaler & { asked: number[], concurrent: number, maxConcurrent: number }

function recordingScaler (delayMs: number): RecordingScaler {
  const scaler = {
    asked: [] as number[],
    concurrent: 0,
    maxConcurrent: 0,
    async scale (desired: number) {
      scaler.concurrent++
      scaler.maxConcurrent = Math.max(scaler.maxConcurrent, scaler.concurrent)
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      scaler.asked.push(desired)
      scaler.concurrent--
      return { running: desired, note: null }
    },
    stop: () => Promise.resolve(),
  }
  return scaler
}

describe('FleetReconciler', () => {
  it('never overlaps passes and coalesces requests made during one into a single extra pass', async () => {
    let desired = 1
    const scaler = recordingScaler(50)
    const reconciler = new FleetReconciler({
      kind: 'none', scaler, getDesiredCount: () => Promise.resolve(desired), intervalMs: 60_000, logger: SILENT_LOGGER,
    })
    const first = reconciler.reconcileNow()
    desired = 4
    const [a, b, c] = await Promise.all([first, reconciler.reconcileNow(), reconciler.reconcileNow()])
    expect(scaler.maxConcurrent).toBe(1)
    expect(scaler.asked).toEqual([1, 4])
    expect(a.desired).toBe(1)
    expect(b).toEqual(c)
    expect(c).toMatchObject({ desired: 4, running: 4, lastError: null })
    await reconciler.stop()
  })

  it('follows a change of the stored count on its own, within its interval', async () => {
    let desired = 0
    const scaler = recordingScaler(0)
    const reconciler = new FleetReconciler({
      kind: 'none', scaler, getDesiredCount: () => Promise.resolve(desired), intervalMs: 100, logger: SILENT_LOGGER,
    })
    reconciler.start()
    desired = 7
    const deadline = Date.now() + 5000
    while (reconciler.status().running !== 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(reconciler.status()).toMatchObject({ desired: 7, running: 7 })
    await reconciler.stop()
  })
})

describe('createFleetController with FLEET_SCALER=none', () => {
  it('records the desired count, reports nothing running and says how to start agents', async () => {
    const fleet = createFleetController({
      scaler: 'none', getDesiredCount: () => Promise.resolve(12), serverUrl: 'http://127.0.0.1:1', agentToken: 'x', env: {},
    })
    const status = await fleet.reconcileNow()
    expect(status).toMatchObject({ scaler: 'none', desired: 12, running: null, lastError: null })
    expect(status.note).toMatch(/FLEET_SCALER=none.*loadfleet agent/s)
    await fleet.stop()
  })
})
