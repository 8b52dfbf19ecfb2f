// Where no tmpfs can be mounted, tests load this into the agent (node --import) to make its disk "full": while the
// file LOADFLEET_TEST_ENOSPC_MARKER exists, content written through fs/promises file handles under
// LOADFLEET_TEST_ENOSPC_DIR is refused with ENOSPC. As on a full tmpfs, opening (creating) the file still works.
import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'

/** Patches fs/promises `open` in this process; returns nothing, lasts for the process. */
export function installEnospc ({ dir, marker }) {
  const open = fs.promises.open
  fs.promises.open = async function (path, flags, mode) {
    const handle = await open.call(this, path, flags, mode)
    if (String(path).startsWith(dir) && /[wa+]/.test(String(flags ?? 'r'))) {
      const writeFile = handle.writeFile
      handle.writeFile = async function (...args) {
        if (fs.existsSync(marker)) {
          throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`),
            { code: 'ENOSPC', errno: -28, syscall: 'write', path: String(path) })
        }
        return await writeFile.apply(this, args)
      }
    }
    return handle
  }
  syncBuiltinESMExports() // so `import { open } from 'node:fs/promises'` sees the patch too
}

const dir = process.env.LOADFLEET_TEST_ENOSPC_DIR
const marker = process.env.LOADFLEET_TEST_ENOSPC_MARKER
if (dir !== undefined && marker !== undefined) installEnospc({ dir, marker })
