import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiError, GateEvidence, type ApiClient } from '@loadfleet/api'
import type { LoadedBaseline } from './run-gate.js'

/**
 * The previous passing (pass or warn) gate of `app` recorded on the control plane, with its evidence; undefined when
 * there is none yet.
 */
export async function baselineFromControlPlane (client: ApiClient, app: string): Promise<LoadedBaseline | undefined> {
  const [last] = (await client.listAppGates(app, { passing: 'true', own: 'true', limit: 1 })).data
  if (last?.revision === undefined || last.revision === null) return undefined
  try {
    const detail = await client.getAppRevision(app, last.revision, { passing: 'true' })
    return {
      evidence: detail.evidence,
      meta: { gateId: detail.id, revision: detail.revision, finishedAt: detail.finishedAt, source: 'control-plane' },
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined
    throw err
  }
}

/** The newest passing gate of `app` among the evidence files in `dir` (gates run without a control plane). */
export async function baselineFromEvidenceDir (dir: string, app: string): Promise<LoadedBaseline | undefined> {
  const names = await readdir(dir).catch(() => [] as string[])
  let best: GateEvidence | undefined
  for (const name of names.filter((n) => n.startsWith(`gate-${app}-`) && n.endsWith('.json'))) {
    const parsed = GateEvidence.safeParse(await readJson(join(dir, name)))
    if (!parsed.success) continue
    const e = parsed.data
    if (e.app !== app || (e.verdict !== 'pass' && e.verdict !== 'warn')) continue
    if (best === undefined || e.finishedAt > best.finishedAt) best = e
  }
  return best === undefined
    ? undefined
    : { evidence: best, meta: { gateId: null, revision: best.revision, finishedAt: best.finishedAt, source: 'evidence-dir' } }
}

async function readJson (path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch {
    return undefined
  }
}
