// Limits and checks shared by the zod schemas and by callers that must not load zod (an idle agent counts its
// megabytes; the dashboard's bundle too).

// Limits come from the control-plane spec; the server validates with exactly these values.
export const TARGET_URL_MAX_CHARS = 2048
export const TARGET_LABEL_MAX_CHARS = 200
export const TARGET_VUS_MAX = 10_000
export const TARGET_DURATION_S_MAX = 3600
export const RUN_INTERVAL_MS_MIN = 1000
export const RUN_INTERVAL_MS_MAX = 86_400_000
export const DESIRED_AGENT_COUNT_MAX = 1000

/** Every value of a run's status, in the order a dashboard lists them. */
export const RUN_STATUSES = ['running', 'passed', 'failed', 'error'] as const

/** Agent names follow Kubernetes pod names: 1-253 letters, digits, ".", "_" or "-". */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/

/** True for an absolute http:// or https:// URL with a host; file:, ftp:, javascript: and relative URLs are not. */
export function isHttpUrl (value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}
