import { AGENT_DEGRADED_REASON_MAX_CHARS as REASON_MAX_CHARS } from '@loadfleet/api/client'

// What a failed write's `code` says about the directory, in the words an operator acts on.
const DIAGNOSIS: Record<string, string> = {
  ENOSPC: 'full',
  EDQUOT: 'over its disk quota',
  EROFS: 'read-only',
  EACCES: 'not writable (permission denied)',
  EPERM: 'not writable (operation not permitted)',
  EIO: 'failing (I/O error)',
}

/**
 * Why the agent cannot record runs in its spool directory, from the `fs` error of a failed write:
 * e.g. "spool directory full: ENOSPC writing /tmp/loadfleet-spool-a". Stable for a given cause, so a reason that
 * repeats on every attempt is recognisably the same one.
 */
export function spoolProblemOf (err: unknown, dir: string): string {
  const code = (err as { code?: unknown } | null)?.code
  const known = typeof code === 'string' ? DIAGNOSIS[code] : undefined
  const text = typeof code === 'string'
    ? `spool directory ${known ?? 'not writable'}: ${code} writing ${dir}`
    : `spool directory not writable: ${err instanceof Error ? err.message : String(err)} (${dir})`
  // A deep TMP_DIR path must not make the heartbeat invalid; cut on a code point (half a pair is not valid text).
  if (text.length <= REASON_MAX_CHARS) return text
  return `${text.slice(0, REASON_MAX_CHARS - 1).replace(/[\uD800-\uDBFF]$/, '')}…`
}
