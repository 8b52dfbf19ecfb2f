import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The shipped CLI launcher; runs the compiled dist/, so tests build first. */
export const CLI_BIN = fileURLToPath(new URL('../../packages/cli/bin/loadfleet.js', import.meta.url))

/** `tsc -b` at the root: agents run from the built CLI exactly as users start them. */
export function buildRepo (): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b'], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 300_000 })
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number):
Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** True while a process with this pid exists (signal 0 probes without delivering anything). */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
