import type { AgentTarget } from '@loadfleet/api/client'

/** A target whose run interval has elapsed for this agent. */
export interface DueTarget {
  target: AgentTarget
  /** Epoch ms since when it has been due; the oldest goes first. */
  dueAt: number
}

export interface DueOptions {
  targets: readonly AgentTarget[]
  /** This agent's own record of when it last started each target (epoch ms). */
  localStartedAt: ReadonlyMap<string, number>
  /** Targets running or queued now; never started twice at once. */
  busy: ReadonlySet<string>
  now: number
}

/**
 * The enabled targets due now, oldest due first, and any target whose run was asked for since its last start
 * (a gate on the fleet). The last start is the later of the agent's own memory and the server's `lastStartedAt`, so
 * a restarted agent resumes the cadence instead of running everything at once.
 */
export function dueTargets (options: DueOptions): DueTarget[] {
  const due: DueTarget[] = []
  for (const target of options.targets) {
    if (options.busy.has(target.id)) continue
    const last = lastStartOf(target, options.localStartedAt.get(target.id))
    const requested = target.runRequestedAt === undefined || target.runRequestedAt === null
      ? undefined
      : Date.parse(target.runRequestedAt)
    if (requested !== undefined && Number.isFinite(requested) && (last === undefined || last < requested)) {
      due.push({ target, dueAt: requested })
      continue
    }
    if (!target.enabled) continue
    const dueAt = last === undefined ? 0 : last + target.runIntervalMs
    if (dueAt <= options.now) due.push({ target, dueAt })
  }
  // Ties (e.g. never-run targets) go by id so every agent sees the same stable order.
  return due.sort((a, b) => a.dueAt - b.dueAt || (a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0))
}

function lastStartOf (target: AgentTarget, local: number | undefined): number | undefined {
  const server = target.lastStartedAt === null ? undefined : Date.parse(target.lastStartedAt)
  const candidates = [local, server].filter((t): t is number => t !== undefined && Number.isFinite(t))
  return candidates.length === 0 ? undefined : Math.max(...candidates)
}
