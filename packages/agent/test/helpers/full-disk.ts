import { execFileSync } from 'node:child_process'
import { mkdtemp, open, rm, rmdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PRELOAD = new URL('./enospc-preload.mjs', import.meta.url)
// Filling writes big chunks first, then halves them down to a page, so the file system ends up truly full.
const FILL_CHUNK_BYTES = 1024 * 1024
const PAGE_BYTES = 4096

/** A directory that a test can fill up and free again. */
export interface FullableDir {
  dir: string
  /** `tmpfs`: a real tmpfs mounted for the test. `injected`: ENOSPC injected into fs writes (no mount possible). */
  mode: 'tmpfs' | 'injected'
  /** Extra environment for a child process (the agent) so that it sees the same full disk. */
  childEnv: Record<string, string>
  fill: () => Promise<void>
  free: () => Promise<void>
  close: () => Promise<void>
}

/**
 * Mounts a tmpfs of `sizeBytes` (needs root); where that fails, says so on the test output and falls back to
 * injecting ENOSPC into this process and into child processes started with `childEnv`.
 */
export async function fullableDir (sizeBytes: number): Promise<FullableDir> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-fullable-'))
  try {
    // LOADFLEET_TEST_TMPFS=off exercises the fallback on a machine that could mount.
    if (process.env.LOADFLEET_TEST_TMPFS === 'off') throw new Error('LOADFLEET_TEST_TMPFS=off')
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    const reason = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)
    console.log(`tmpfs could not be mounted (${reason}): ENOSPC is injected into file writes under ${dir} instead`)
    return await injected(dir)
  }
  const filler = join(dir, 'filler')
  console.log(`a tmpfs of ${sizeBytes} bytes is mounted at ${dir}`)
  return {
    dir,
    mode: 'tmpfs',
    childEnv: {},
    fill: () => fillUp(filler),
    free: () => rm(filler, { force: true }),
    close: async () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
      await rmdir(dir)
    },
  }
}

async function fillUp (file: string): Promise<void> {
  const handle = await open(file, 'a')
  try {
    for (let chunk = FILL_CHUNK_BYTES; chunk >= PAGE_BYTES;) {
      try {
        await handle.write(Buffer.alloc(chunk, 1))
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOSPC') throw err
        chunk /= 2
      }
    }
  } finally {
    await handle.close()
  }
}

async function injected (dir: string): Promise<FullableDir> {
  const marker = `${dir}.full`
  const preload = await import(PRELOAD.href) as { installEnospc: (o: { dir: string, marker: string }) => void }
  preload.installEnospc({ dir, marker })
  return {
    dir,
    mode: 'injected',
    childEnv: {
      NODE_OPTIONS: `--import ${fileURLToPath(PRELOAD)}`,
      LOADFLEET_TEST_ENOSPC_DIR: dir,
      LOADFLEET_TEST_ENOSPC_MARKER: marker,
    },
    fill: () => writeFile(marker, ''),
    free: () => rm(marker, { force: true }),
    close: async () => {
      await rm(marker, { force: true })
      await rm(dir, { recursive: true, force: true })
    },
  }
}
