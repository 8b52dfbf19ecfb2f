import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrowserRunFinish, RunFinish, RunStart } from '@loadfleet/api/client'

/** A load run's result, or a browser check's (figures and screenshot). */
export type SpooledFinish = RunFinish | BrowserRunFinish

/** What the agent owes the control plane about one run, persisted until delivered. */
export interface SpoolRecord {
  runId: string
  /** Epoch ms the record was created; delivery follows this order. */
  createdAt: number
  start: RunStart
  startDelivered: boolean
  finish: SpooledFinish | null
}

const RECORD_SUFFIX = '.run.json'
const PROBE_PREFIX = '.probe-'
// A probe must fit a run's start and its finish with the engine's summary (typically 5–30 KB); a disk with less
// room than that would accept the start and fail the result.
const PROBE_BYTES = 64 * 1024

/** Options of a `Spool`. */
export interface SpoolOptions {
  /**
   * Told of every failed write of an update (a delivered start, a finish, a removal). The update stays in memory
   * and is still delivered; only a crash before delivery would lose it, so the agent reports itself degraded.
   */
  onWriteFailed?: (err: unknown) => void
}

/**
 * Results kept on disk under TMP_DIR until the control plane has them. Memory holds the truth and every
 * change rewrites the record atomically (temp file + fsync + rename), so a crash leaves either the old or
 * the new record, never half of one. A failed write leaves no temp file behind.
 * A run exists only once its start is on disk: `addStart` throws when it cannot write, and then holds nothing.
 */
export class Spool {
  readonly dir: string
  readonly #records = new Map<string, SpoolRecord>()
  // Writes of one record are chained so an older snapshot can never land after a newer one.
  readonly #writes = new Map<string, Promise<void>>()

  readonly #onWriteFailed: (err: unknown) => void

  constructor (dir: string, options: SpoolOptions = {}) {
    this.dir = dir
    this.#onWriteFailed = options.onWriteFailed ?? (() => {})
  }

  /** Loads records left by a previous process; a run it started but never finished becomes `error`. */
  async open (): Promise<{ recovered: number, interrupted: number }> {
    await mkdir(this.dir, { recursive: true })
    let interrupted = 0
    for (const name of await readdir(this.dir)) {
      const file = join(this.dir, name)
      if (!name.endsWith(RECORD_SUFFIX)) {
        // A write cut short by a crash, or a probe of a process that died before removing it.
        if (name.includes('.tmp-') || name.startsWith(PROBE_PREFIX)) await rm(file, { force: true })
        continue
      }
      const record = parseRecord(await readFile(file, 'utf8'))
      if (record === undefined) continue
      if (record.finish === null) {
        interrupted++
        record.finish = {
          status: 'error', finishedAt: new Date().toISOString(), errorMessage: 'agent stopped before the run finished',
        }
        this.#records.set(record.runId, record)
        await this.#update(record) // on a full disk the verdict stays in memory: still delivered
      } else {
        this.#records.set(record.runId, record)
      }
    }
    return { recovered: this.#records.size, interrupted }
  }

  /** Records in delivery order (oldest first). */
  pending (): SpoolRecord[] {
    return [...this.#records.values()].sort((a, b) => a.createdAt - b.createdAt)
  }

  get size (): number {
    return this.#records.size
  }

  /** Records a run about to start; throws (the `fs` error, with its `code`) when the record cannot be written. */
  async addStart (start: RunStart & { id: string }): Promise<void> {
    const record: SpoolRecord = { runId: start.id, createdAt: Date.now(), start, startDelivered: false, finish: null }
    await this.#persist(record)
    // Only now: a start that is not on disk must never be reported for a test that will not run.
    this.#records.set(record.runId, record)
  }

  async markStartDelivered (runId: string): Promise<void> {
    const record = this.#records.get(runId)
    if (record === undefined || record.startDelivered) return
    record.startDelivered = true
    await this.#update(record)
  }

  async setFinish (runId: string, finish: SpooledFinish): Promise<void> {
    const record = this.#records.get(runId)
    if (record === undefined) return
    record.finish = finish
    await this.#update(record)
  }

  /** Forgets a delivered (or undeliverable) run. */
  async remove (runId: string): Promise<void> {
    if (!this.#records.delete(runId)) return
    await this.#chain(runId, () => rm(this.#fileOf(runId), { force: true })).catch(this.#onWriteFailed)
  }

  /**
   * Whether a run could be recorded now: writes, syncs and removes a probe file of `PROBE_BYTES`. Throws the `fs`
   * error when it cannot (the probe file is removed either way).
   */
  async probe (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const file = join(this.dir, `${PROBE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`)
    try {
      await writeSynced(file, Buffer.alloc(PROBE_BYTES))
    } finally {
      await rm(file, { force: true })
    }
  }

  #fileOf (runId: string): string {
    return join(this.dir, `${runId}${RECORD_SUFFIX}`)
  }

  #persist (record: SpoolRecord): Promise<void> {
    const text = JSON.stringify(record)
    return this.#chain(record.runId, () => writeAtomic(this.#fileOf(record.runId), text))
  }

  /** Persists a change already made in memory; a failed write is reported, never thrown. */
  async #update (record: SpoolRecord): Promise<void> {
    await this.#persist(record).catch(this.#onWriteFailed)
  }

  #chain (runId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.#writes.get(runId) ?? Promise.resolve()).then(step)
    const settled = next.catch(() => {})
    this.#writes.set(runId, settled)
    void settled.then(() => {
      if (this.#writes.get(runId) === settled) this.#writes.delete(runId)
    })
    return next
  }
}

async function writeAtomic (file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await writeSynced(tmp, text)
    await rename(tmp, file)
  } catch (err) {
    // A full disk creates the (empty) temp file and then refuses its content: never leave it behind.
    await rm(tmp, { force: true }).catch(() => {})
    throw err
  }
}

async function writeSynced (file: string, data: string | Buffer): Promise<void> {
  const handle = await open(file, 'w', 0o600)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function parseRecord (text: string): SpoolRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<SpoolRecord>
    if (typeof value.runId !== 'string' || typeof value.start !== 'object' || value.start === null) return undefined
    return {
      runId: value.runId,
      createdAt: typeof value.createdAt === 'number' ? value.createdAt : 0,
      start: value.start,
      startDelivered: value.startDelivered === true,
      finish: value.finish ?? null,
    }
  } catch {
    return undefined
  }
}
