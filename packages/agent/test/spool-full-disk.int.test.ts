import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Spool } from '../src/spool.js'
import { fullableDir, type FullableDir } from './helpers/full-disk.js'

// Big enough for a few records and a probe, small enough to fill in a blink.
const DISK_BYTES = 2 * 1024 * 1024

let disk: FullableDir
let dir: string
let round = 0
const writeFailures: unknown[] = []

beforeAll(async () => { disk = await fullableDir(DISK_BYTES) })
afterAll(async () => { await disk?.close() })
beforeEach(async () => {
  await disk.free()
  dir = join(disk.dir, `spool-${++round}`)
  await mkdir(dir)
  writeFailures.length = 0
})

function spoolIn (path: string): Spool {
  return new Spool(path, { onWriteFailed: (err) => { writeFailures.push(err) } })
}

describe('Spool on a full disk', () => {
  it('refuses a start it cannot write: nothing in memory, no temp file left', async () => {
    const spool = spoolIn(dir)
    await spool.open()
    await disk.fill()
    await expect(spool.addStart({ id: 'run-full-0001', targetId: 't1' })).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(spool.size).toBe(0)
    expect(spool.pending()).toEqual([])
    expect(await readdir(dir)).toEqual([])
    console.log(`spool on a full disk (${disk.mode}): the start was refused and nothing was left in ${dir}`)
  })

  it('keeps updates it cannot write in memory and reports them, without temp files', async () => {
    const spool = spoolIn(dir)
    await spool.open()
    await spool.addStart({ id: 'run-full-0002', targetId: 't1' })
    await disk.fill()
    await spool.markStartDelivered('run-full-0002')
    await spool.setFinish('run-full-0002', { status: 'passed', errorMessage: null })
    expect(writeFailures.map((e) => (e as { code?: string }).code)).toEqual(['ENOSPC', 'ENOSPC'])
    expect(spool.pending()[0]).toMatchObject({ startDelivered: true, finish: { status: 'passed' } })
    expect(await readdir(dir)).toEqual(['run-full-0002.run.json'])
    await spool.remove('run-full-0002') // removing needs no space
    expect(await readdir(dir)).toEqual([])
  })

  it('probes: fails while full, passes once space is back, and never leaves its probe file', async () => {
    const spool = spoolIn(dir)
    await spool.open()
    await disk.fill()
    await expect(spool.probe()).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(await readdir(dir)).toEqual([])
    await disk.free()
    await expect(spool.probe()).resolves.toBeUndefined()
    expect(await readdir(dir)).toEqual([])
    await spool.addStart({ id: 'run-full-0003', targetId: 't1' })
    expect(spool.size).toBe(1)
  })

  it('opens on a full disk: an interrupted run becomes an error in memory, and opening does not throw', async () => {
    const first = spoolIn(dir)
    await first.open()
    await first.addStart({ id: 'run-full-0004', targetId: 't1' })
    await disk.fill()
    const again = spoolIn(dir)
    expect(await again.open()).toEqual({ recovered: 1, interrupted: 1 })
    expect(again.pending()[0]?.finish).toMatchObject({ status: 'error' })
    expect(writeFailures).toHaveLength(1)
    expect(await readdir(dir)).toEqual(['run-full-0004.run.json'])
  })
})
