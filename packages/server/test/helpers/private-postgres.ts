import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const PG_BIN = process.env.LOADFLEET_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin'
// PostgreSQL refuses to run as root; as root the cluster is run as this user.
const PG_OS_USER = 'postgres'

/**
 * A PostgreSQL cluster of its own (initdb into a temp dir, its own port) that a test may stop, crash and
 * restart without disturbing the machine's shared cluster other tests use.
 */
export interface PrivatePostgres {
  url: string
  /** `fast` is a clean shutdown; `immediate` is a crash (recovery from the WAL at the next start). */
  stop (mode: 'fast' | 'immediate'): Promise<void>
  start (): Promise<void>
  destroy (): Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

/** Why a private cluster cannot be made here, or undefined when it can. */
export function privatePostgresUnavailable (): string | undefined {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `no PostgreSQL binaries in ${PG_BIN}`
  if (userInfo().uid === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
    return 'running as root without runuser, and PostgreSQL refuses to run as root'
  }
  return undefined
}

export async function startPrivatePostgres (): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), 'lf-pg-'))
  const data = join(root, 'data')
  const asRoot = userInfo().uid === 0
  if (asRoot) {
    const { stdout } = await run('id', ['-u', PG_OS_USER])
    const { stdout: gid } = await run('id', ['-g', PG_OS_USER])
    chownSync(root, Number(stdout.trim()), Number(gid.trim()))
  }
  const pg = async (tool: string, args: string[]): Promise<void> => {
    const command = join(PG_BIN, tool)
    if (asRoot) await run('runuser', ['-u', PG_OS_USER, '--', command, ...args], { cwd: root })
    else await run(command, args, { cwd: root })
  }
  const port = await freePort()
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=50`
  const start = () => pg('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start'])
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: (mode) => pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']),
    start,
    async destroy () {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(root, { recursive: true, force: true })
    },
  }
}
