/** A non-negative rational number in lowest terms; bigints, so parsing `0.333333333` loses nothing. */
export interface Rational {
  readonly num: bigint
  readonly den: bigint
}

export const ZERO: Rational = { num: 0n, den: 1n }
export const ONE: Rational = { num: 1n, den: 1n }

function gcd (a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

/** `num/den` in lowest terms (den > 0). */
export function rational (num: bigint, den: bigint): Rational {
  if (den === 0n) throw new RangeError('zero denominator')
  const sign = den < 0n ? -1n : 1n
  const g = gcd(num, den) || 1n
  return { num: (sign * num) / g, den: (sign * den) / g }
}

export function subtract (a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den)
}

export function add (a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den)
}

/** Negative, zero or positive as a is below, equal to or above b. */
export function compare (a: Rational, b: Rational): number {
  const d = a.num * b.den - b.num * a.den
  return d < 0n ? -1 : d > 0n ? 1 : 0
}

export function lcm (a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b
}

/** `1/3`, `0`, `1` — as k6 prints segment bounds. */
export function formatRational (r: Rational): string {
  return r.den === 1n ? String(r.num) : `${r.num}/${r.den}`
}

const FRACTION = /^(\d+)\s*\/\s*(\d+)$/
const DECIMAL = /^(\d*)(?:\.(\d+))?$/

/**
 * Reads a segment bound as k6 does: a fraction (`1/3`), a decimal (`0.25`) or a percentage (`25%`).
 * Undefined for anything else (signs, exponents, empty text).
 */
export function parseRational (text: string): Rational | undefined {
  const t = text.trim()
  if (t.endsWith('%')) {
    const r = parseRational(t.slice(0, -1))
    return r === undefined ? undefined : rational(r.num, r.den * 100n)
  }
  const fraction = FRACTION.exec(t)
  if (fraction !== null) {
    const den = BigInt(fraction[2] as string)
    return den === 0n ? undefined : rational(BigInt(fraction[1] as string), den)
  }
  const decimal = DECIMAL.exec(t)
  if (decimal === null || t === '' || t === '.') return undefined
  const whole = decimal[1] ?? ''
  const digits = decimal[2] ?? ''
  return rational(BigInt(`${whole}${digits}` || '0'), 10n ** BigInt(digits.length))
}
