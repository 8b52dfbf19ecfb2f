import { RequestInvalid } from '../../errors.js'

export interface Cursor { at: number, id: string }

/** Opaque to clients: base64url of "<epoch ms>:<id>" of the last row of the previous page. */
export function encodeCursor (cursor: Cursor): string {
  return Buffer.from(`${cursor.at}:${cursor.id}`, 'utf8').toString('base64url')
}

export function decodeCursor (text: string): Cursor {
  const decoded = Buffer.from(text, 'base64url').toString('utf8')
  const colon = decoded.indexOf(':')
  const at = Number(decoded.slice(0, colon))
  const id = decoded.slice(colon + 1)
  if (colon <= 0 || !Number.isSafeInteger(at) || id === '') {
    throw new RequestInvalid({ issues: [{ path: 'querystring.cursor', message: 'expected a cursor from a previous page' }] })
  }
  return { at, id }
}
