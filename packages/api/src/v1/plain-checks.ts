// Checks shared by the zod schemas and by callers that must not load zod (an idle agent counts its megabytes).

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
