import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Spool } from './spool.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'lf-spool-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('Spool', () => {
  it('keeps records across a restart, in creation order, until removed', async () => {
    const spool = new Spool(dir)
    await spool.open()
    await spool.addStart({ id: 'run-aaaa-1', targetId: 't1' })
    await spool.addStart({ id: 'run-bbbb-2', targetId: 't2' })
    await spool.markStartDelivered('run-aaaa-1')
    await spool.setFinish('run-aaaa-1', { status: 'passed', errorMessage: null })
    await spool.setFinish('run-bbbb-2', { status: 'failed', errorMessage: null })

    const again = new Spool(dir)
    expect(await again.open()).toEqual({ recovered: 2, interrupted: 0 })
    expect(again.pending().map((r) => [r.runId, r.startDelivered, r.finish?.status])).toEqual([
      ['run-aaaa-1', true, 'passed'], ['run-bbbb-2', false, 'failed'],
    ])
    await again.remove('run-aaaa-1')
    expect(await readdir(dir)).toEqual(['run-bbbb-2.run.json'])
  })

  it('turns a run left unfinished by a crash into an error, and ignores torn temp files', async () => {
    const spool = new Spool(dir)
    await spool.open()
    await spool.addStart({ id: 'run-cccc-3', targetId: 't1' })
    await writeFile(join(dir, 'run-dddd-4.run.json.tmp-1-abcd'), '{"runId":')

    const again = new Spool(dir)
    expect(await again.open()).toEqual({ recovered: 1, interrupted: 1 })
    expect(again.pending()[0]?.finish).toMatchObject({ status: 'error', errorMessage: 'agent stopped before the run finished' })
    const onDisk = JSON.parse(await readFile(join(dir, 'run-cccc-3.run.json'), 'utf8')) as { finish: { status: string } }
    expect(onDisk.finish.status).toBe('error')
    expect(await readdir(dir)).toEqual(['run-cccc-3.run.json'])
  })

  it('lands the newest snapshot when updates race', async () => {
    const spool = new Spool(dir)
    await spool.open()
    await spool.addStart({ id: 'run-eeee-5', targetId: 't1' })
    await Promise.all([
      spool.markStartDelivered('run-eeee-5'),
      spool.setFinish('run-eeee-5', { status: 'passed', errorMessage: null }),
    ])
    const onDisk = JSON.parse(await readFile(join(dir, 'run-eeee-5.run.json'), 'utf8')) as Record<string, unknown>
    expect(onDisk).toMatchObject({ startDelivered: true, finish: { status: 'passed' } })
  })
})
