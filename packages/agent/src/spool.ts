import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunFinish, RunStart } from '@loadfleet/api/client'

/** What the agent owes the control plane about one run, persisted until delivered. */
export interface SpoolRecord {
  runId: string
  /** Epoch ms the record was created; delivery follows this order. */
  createdAt: number
  start: RunStart
  startDelivered: boolean
  finish: RunFinish | null
}

const RECORD_SUFFIX = '.run.json'

/**
 * Results kept on disk under TMP_DIR until the control plane has them. Memory holds the truth and every
 * change rewrites the record atomically (temp file + fsync + rename), so a crash leaves either the old or
 * the new record, never half of one.
 */
export class Spool {
  readonly dir: string
  readonly #records = new Map<string, SpoolRecord>()
  // Writes of one record are chained so an older snapshot can never land after a newer one.
  readonly #writes = new Map<string, Promise<void>>()

  constructor (dir: string) {
    this.dir = dir
  }

  /** Loads records left by a previous process; a run it started but never finished becomes `error`. */
  async open (): Promise<{ recovered: number, interrupted: number }> {
    await mkdir(this.dir, { recursive: true })
    let interrupted = 0
    for (const name of await readdir(this.dir)) {
      const file = join(this.dir, name)
      if (!name.endsWith(RECORD_SUFFIX)) {
        if (name.includes('.tmp-')) await rm(file, { force: true }) // a write cut short by a crash
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
        await this.#persist(record)
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

  async addStart (start: RunStart & { id: string }): Promise<void> {
    const record: SpoolRecord = { runId: start.id, createdAt: Date.now(), start, startDelivered: false, finish: null }
    this.#records.set(record.runId, record)
    await this.#persist(record)
  }

  async markStartDelivered (runId: string): Promise<void> {
    const record = this.#records.get(runId)
    if (record === undefined || record.startDelivered) return
    record.startDelivered = true
    await this.#persist(record)
  }

  async setFinish (runId: string, finish: RunFinish): Promise<void> {
    const record = this.#records.get(runId)
    if (record === undefined) return
    record.finish = finish
    await this.#persist(record)
  }

  /** Forgets a delivered (or undeliverable) run. */
  async remove (runId: string): Promise<void> {
    if (!this.#records.delete(runId)) return
    await this.#chain(runId, () => rm(this.#fileOf(runId), { force: true }))
  }

  #fileOf (runId: string): string {
    return join(this.dir, `${runId}${RECORD_SUFFIX}`)
  }

  #persist (record: SpoolRecord): Promise<void> {
    const text = JSON.stringify(record)
    return this.#chain(record.runId, () => writeAtomic(this.#fileOf(record.runId), text))
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
  const handle = await open(tmp, 'w', 0o600)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, file)
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
