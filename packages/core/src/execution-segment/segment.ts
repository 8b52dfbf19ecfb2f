import type { Diagnostic, ParseResult } from '../diagnostic.js'
import { ONE, ZERO, compare, formatRational, parseRational, rational, subtract } from './rational.js'
import type { Rational } from './rational.js'

/** One share of a test, (from, to] of the whole, as k6's `--execution-segment`. */
export interface ExecutionSegment {
  readonly from: Rational
  readonly to: Rational
}

/** `1/3:2/3`, the form both flags are written in. */
export function formatSegment (s: ExecutionSegment): string {
  return `${formatRational(s.from)}:${formatRational(s.to)}`
}

/** `0,1/3,2/3,1`: the points of a contiguous sequence. */
export function formatSequence (seq: readonly ExecutionSegment[]): string {
  const first = seq[0]
  if (first === undefined) return ''
  return [first.from, ...seq.map((s) => s.to)].map(formatRational).join(',')
}

export function segmentLength (s: ExecutionSegment): Rational {
  return subtract(s.to, s.from)
}

export function sameSegment (a: ExecutionSegment, b: ExecutionSegment): boolean {
  return compare(a.from, b.from) === 0 && compare(a.to, b.to) === 0
}

function problem (path: string, message: string): Diagnostic {
  return { severity: 'error', code: 'LF_SEGMENT_INVALID', path, message }
}

function bound (text: string, path: string, diagnostics: Diagnostic[]): Rational | undefined {
  const r = parseRational(text)
  if (r === undefined) {
    diagnostics.push(problem(path, `'${text}' is not a fraction (1/3), a decimal (0.25) or a percentage (25%)`))
  }
  return r
}

/** A segment from its bounds, with k6's rules: 0 ≤ from < to ≤ 1. */
export function newSegment (from: Rational, to: Rational, path: string): ParseResult<ExecutionSegment> {
  if (compare(from, ZERO) < 0) return { diagnostics: [problem(path, 'the segment start must be at least 0')] }
  if (compare(to, ONE) > 0) {
    return { diagnostics: [problem(path, `the segment end must be at most 1, not ${formatRational(to)}`)] }
  }
  if (compare(from, to) >= 0) {
    return { diagnostics: [problem(path,
      `the segment start (${formatRational(from)}) must be below its end (${formatRational(to)})`)] }
  }
  return { value: { from, to }, diagnostics: [] }
}

/** `--execution-segment`: `from:to`, or just `to` meaning `0:to` (k6). */
export function parseSegment (text: string, path = '--execution-segment'): ParseResult<ExecutionSegment> {
  const diagnostics: Diagnostic[] = []
  const colon = text.indexOf(':')
  const from = colon === -1 ? ZERO : bound(text.slice(0, colon), path, diagnostics)
  const to = bound(colon === -1 ? text : text.slice(colon + 1), path, diagnostics)
  if (from === undefined || to === undefined) return { diagnostics }
  return newSegment(from, to, path)
}

/** `--execution-segment-sequence`: at least two increasing points between 0 and 1 (`0,1/3,2/3,1`). */
export function parseSequence (text: string, path = '--execution-segment-sequence'):
ParseResult<ExecutionSegment[]> {
  const points = text.split(',')
  if (points.length < 2) {
    return { diagnostics: [problem(path, `a sequence needs at least 2 points, ${points.length} given`)] }
  }
  const diagnostics: Diagnostic[] = []
  const values = points.map((p) => bound(p, path, diagnostics))
  if (diagnostics.length > 0) return { diagnostics }
  const segments: ExecutionSegment[] = []
  for (let i = 1; i < values.length; i++) {
    const made = newSegment(values[i - 1] as Rational, values[i] as Rational, path)
    if (made.value === undefined) return { diagnostics: made.diagnostics }
    segments.push(made.value)
  }
  return { value: segments, diagnostics: [] }
}

/**
 * The sequence with its gaps filled so that it covers 0 to 1 (k6's GetFilledExecutionSegmentSequence): without a
 * sequence, the segment itself with the parts before and after it.
 */
export function fillSequence (sequence: readonly ExecutionSegment[], segment: ExecutionSegment | undefined):
ExecutionSegment[] {
  const base = sequence.length > 0 ? [...sequence] : segment === undefined ? [] : [segment]
  const first = base[0]
  const last = base.at(-1)
  if (first === undefined || last === undefined) return [{ from: ZERO, to: ONE }]
  const filled: ExecutionSegment[] = []
  if (compare(first.from, ZERO) !== 0) filled.push({ from: ZERO, to: first.from })
  filled.push(...base)
  if (compare(last.to, ONE) !== 0) filled.push({ from: last.to, to: ONE })
  return filled
}

/** Splits the whole into n equal parts: `0,1/n,…,1` — how the control plane divides a run over n agents. */
export function evenSequence (n: number): ExecutionSegment[] {
  const out: ExecutionSegment[] = []
  const parts = BigInt(n)
  for (let i = 0n; i < parts; i++) out.push({ from: rational(i, parts), to: rational(i + 1n, parts) })
  return out
}
