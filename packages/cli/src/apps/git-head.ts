import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/** The commit checked out where the manifests are, when they are in a Git repository. */
export async function gitHead (dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000 })
    return stdout.trim() || undefined
  } catch {
    return undefined
  }
}
