import { createHash } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** A file the gate wrote, with the SHA-256 of its bytes. */
export interface WrittenFile {
  kind: 'junit' | 'evidence' | 'markdown'
  path: string
  sha256: string
}

/** Lowercase hex SHA-256 of a text's UTF-8 bytes. */
export function sha256Of (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Writes a file whole or not at all: a temporary file beside it, then a rename. */
export async function writeWhole (kind: WrittenFile['kind'], path: string, text: string): Promise<WrittenFile> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  return { kind, path, sha256: sha256Of(text) }
}
