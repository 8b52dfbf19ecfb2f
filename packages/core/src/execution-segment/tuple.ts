import type { Diagnostic, ParseResult } from '../diagnostic.js'
import { lcm, rational } from './rational.js'
import { fillSequence, formatSegment, formatSequence, sameSegment, segmentLength } from './segment.js'
import type { ExecutionSegment } from './segment.js'

/**
 * Striping repeats every `lcd` elements and costs O(lcd × parts) to set up; past this the sequence is refused rather
 * than stall (a decimal such as 0.333333333 has a denominator of 10⁹; write 1/3).
 */
const MAX_LCD = 1_000_000n

/**
 * Where each part's elements lie within one cycle of `lcd` elements: for each part, its first element and the
 * distances to the next one (the last distance wraps into the next cycle). k6's striping: walk 0…lcd−1 and give
 * each element to the largest part (by share) whose count so far, spread evenly, says it is due — so a part's
 * elements are spread out instead of bunched, and every prefix of the elements is split as fairly as it can be.
 */
function stripe (sequence: readonly ExecutionSegment[], lcd: bigint): number[][] {
  const cycle = Number(lcd)
  const parts = sequence.map((s, index) => {
    const len = segmentLength(s)
    return { index, share: Number(len.num * (lcd / len.den)) }
  })
  // Stable sort, biggest share first: the biggest parts find it hardest not to take neighbouring elements.
  const sorted = [...parts].sort((a, b) => b.share - a.share)
  const chosen = sorted.map(() => 0)
  const offsets: number[][] = sequence.map(() => [])
  const prev = sequence.map(() => 0)
  for (let i = 0; i < cycle; i++) {
    for (let k = 0; k < sorted.length; k++) {
      const { index, share } = sorted[k] as { index: number, share: number }
      const num = (chosen[k] as number) * cycle
      const due = Math.floor(num / share)
      if (i > due || (i === due && num % share === 0)) {
        chosen[k] = (chosen[k] as number) + 1
        const own = offsets[index] as number[]
        own.push(i - (prev[index] as number))
        prev[index] = i
        if (own.length === share) own.push((own[0] as number) + cycle - i)
        break
      }
    }
  }
  return offsets
}

/**
 * One segment within its (filled) sequence, k6's ExecutionTuple: scales VU and iteration counts so that the parts of
 * one sequence always add up to the whole, and names the global elements (VU numbers, iteration numbers) this part
 * owns. Every part of a sequence computes the same striping, so no two parts own the same element.
 */
export class ExecutionTuple {
  readonly sequence: readonly ExecutionSegment[]
  readonly index: number
  readonly segment: ExecutionSegment
  /** Lowest common denominator of the parts' lengths: the striping repeats every `lcd` elements. */
  readonly lcd: number
  /** This part's first element in each cycle. */
  readonly start: number
  /** Distances from each of this part's elements to its next, over one cycle (k6's striped offsets). */
  readonly offsets: readonly number[]
  /** This part's element positions within one cycle, ascending. */
  readonly #positions: readonly number[]

  private constructor (sequence: readonly ExecutionSegment[], index: number, lcd: bigint) {
    this.sequence = sequence
    this.index = index
    this.segment = sequence[index] as ExecutionSegment
    this.lcd = Number(lcd)
    const own = stripe(sequence, lcd)[index] as number[]
    this.start = own[0] as number
    this.offsets = own.slice(1)
    const positions = [this.start]
    for (const step of this.offsets.slice(0, -1)) positions.push((positions.at(-1) as number) + step)
    this.#positions = positions
  }

  /**
   * The tuple of `segment` within `sequence` (either may be absent: k6 fills the sequence around the segment, and
   * no segment is the whole test). The segment must be one of the sequence's parts.
   */
  static of (segment: ExecutionSegment | undefined, sequence: readonly ExecutionSegment[] = [],
    path = '--execution-segment'): ParseResult<ExecutionTuple> {
    const filled = fillSequence(sequence, segment)
    const index = segment === undefined ? 0 : filled.findIndex((s) => sameSegment(s, segment))
    if (segment !== undefined && index === -1) {
      return { diagnostics: [problem(path,
        `the segment ${formatSegment(segment)} is not one of the sequence ${formatSequence(filled)}`)] }
    }
    for (let i = 1; i < filled.length; i++) {
      const before = filled[i - 1] as ExecutionSegment
      if (!sameBound(before, filled[i] as ExecutionSegment)) {
        return { diagnostics: [problem('--execution-segment-sequence', 'the segments must follow each other')] }
      }
    }
    const lcd = filled.reduce((acc, s) => lcm(acc, segmentLength(s).den), 1n)
    if (lcd > MAX_LCD) {
      return { diagnostics: [problem(path,
        `the parts' common denominator ${lcd} is above ${MAX_LCD}; write the bounds as simple fractions (1/3)`)] }
    }
    return { value: new ExecutionTuple(filled, index, lcd), diagnostics: [] }
  }

  /** This part's elements in a cycle. */
  get perCycle (): number {
    return this.#positions.length
  }

  /** True when this part is the whole test. */
  get isWhole (): boolean {
    return this.sequence.length === 1
  }

  /** How many of the elements 0 … value−1 are this part's (k6's ScaleInt64): the parts of a sequence sum to value. */
  scale (value: number): number {
    const cycles = Math.floor(value / this.lcd)
    const rest = value - cycles * this.lcd
    let n = cycles * this.#positions.length
    for (const p of this.#positions) {
      if (p >= rest) break
      n++
    }
    return n
  }

  /** The global number (from 0) of this part's k-th element (from 0): its VU or iteration number in the whole test. */
  globalIndex (k: number): number {
    const per = this.#positions.length
    const cycle = Math.floor(k / per)
    return cycle * this.lcd + (this.#positions[k - cycle * per] as number)
  }

  /**
   * k6's GetNewExecutionTupleFromValue: the sequence without the parts that get none of `value` elements, each
   * remaining part sized by its share of `value`. Arrival-rate executors stripe iterations over the parts that have
   * VUs (`maxVUs`), so a part without VUs is never given iterations. Undefined when this part gets none.
   */
  forValue (value: number): ExecutionTuple | undefined {
    if (value <= 0) return undefined
    const whole = BigInt(value)
    const next: ExecutionSegment[] = []
    let newIndex = -1
    let prev = 0n
    for (let i = 0; i < this.sequence.length; i++) {
      const n = BigInt(i === this.index ? this.scale(value) : this.#sibling(i).scale(value))
      if (n === 0n) continue
      if (i === this.index) newIndex = next.length
      next.push({ from: rational(prev, whole), to: rational(prev + n, whole) })
      prev += n
    }
    if (newIndex === -1) return undefined
    const lcd = next.reduce((acc, s) => lcm(acc, segmentLength(s).den), 1n)
    return new ExecutionTuple(next, newIndex, lcd)
  }

  #sibling (i: number): ExecutionTuple {
    return new ExecutionTuple(this.sequence, i, BigInt(this.lcd))
  }
}

function sameBound (before: ExecutionSegment, after: ExecutionSegment): boolean {
  return before.to.num === after.from.num && before.to.den === after.from.den
}

function problem (path: string, message: string): Diagnostic {
  return { severity: 'error', code: 'LF_SEGMENT_INVALID', path, message }
}
