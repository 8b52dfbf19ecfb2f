import type { ReactNode } from 'react'
import type { AgentStatus, RunStatus } from '@loadfleet/api/client'

const TONE: Record<AgentStatus | RunStatus, 'ok' | 'info' | 'warn' | 'bad' | 'neutral'> = {
  online: 'ok',
  busy: 'info',
  offline: 'neutral',
  running: 'info',
  passed: 'ok',
  failed: 'bad',
  error: 'warn',
}

/** A coloured pill; the text carries the meaning, the colour only repeats it. */
export function StatusBadge ({ status }: { status: AgentStatus | RunStatus }): ReactNode {
  return <span className={`badge badge-${TONE[status]}`}>{status}</span>
}
