// ASCII helpers for scanning HTTP bytes in place, without decoding them to strings.
export const LF = 10
export const CR = 13
export const SP = 32
export const HTAB = 9
export const COLON = 58
const COMMA = 0x2c

/** The value of a hex digit, or -1. */
export function hexValue (byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48
  const lower = byte | 0x20
  if (lower >= 97 && lower <= 102) return lower - 87
  return -1
}

/** Whether `b[s, e)` equals `lower` ignoring ASCII case (`lower` is already lower-case). */
export function equalsLower (b: Buffer, s: number, e: number, lower: Buffer): boolean {
  if (e - s !== lower.length) return false
  for (let i = 0; i < lower.length; i++) {
    const c = b[s + i] ?? 0
    if (c !== lower[i] && (c | 0x20) !== lower[i]) return false
  }
  return true
}

/** Whether the token list `b[s, e)` contains `lower` as a whole token, ignoring case. */
export function containsLower (b: Buffer, s: number, e: number, lower: Buffer): boolean {
  let i = s
  while (i < e) {
    while (i < e && (b[i] === SP || b[i] === HTAB || b[i] === COMMA)) i++
    let j = i
    while (j < e && b[j] !== COMMA) j++
    let k = j
    while (k > i && (b[k - 1] === SP || b[k - 1] === HTAB)) k--
    if (equalsLower(b, i, k, lower)) return true
    i = j
  }
  return false
}
