import type { ReactNode } from 'react'
import type { AgentStatus, RunStatus } from '@loadfleet/api/client'

const TONE: Record<AgentStatus | RunStatus, 'ok' | 'info' | 'warn' | 'bad' | 'neutral' | 'aborted'> = {
  online: 'ok',
  busy: 'info',
  offline: 'neutral',
  running: 'info',
  passed: 'ok',
  failed: 'bad',
  error: 'warn',
  // Stopped on purpose (its agent was shut down): neither a failure nor an error, so drawn apart and muted.
  aborted: 'aborted',
}

const TITLE: Partial<Record<AgentStatus | RunStatus, string>> = {
  aborted: 'Stopped before it finished because its agent was shut down; not counted in trends or verdicts',
}

/** A coloured pill; the text carries the meaning, the colour only repeats it. */
export function StatusBadge ({ status }: { status: AgentStatus | RunStatus }): ReactNode {
  return <span className={`badge badge-${TONE[status]}`} title={TITLE[status]}>{status}</span>
}
