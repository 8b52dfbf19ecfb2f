import { describe, expect, it } from 'vitest'
import { ExecutionTuple, evenSequence, formatSequence, parseSegment, parseSequence } from './index.js'

function tuple (seg: string | undefined, seq: string | undefined): ExecutionTuple {
  const segment = seg === undefined ? undefined : parseSegment(seg).value
  const sequence = seq === undefined ? [] : parseSequence(seq).value
  if ((seg !== undefined && segment === undefined) || sequence === undefined) throw new Error(`bad input ${seg} ${seq}`)
  const made = ExecutionTuple.of(segment, sequence)
  if (made.value === undefined) throw new Error(made.diagnostics.map((d) => d.message).join('; '))
  return made.value
}

describe('striped offsets (the values k6 documents in its own tests)', () => {
  it.each([
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0:0.3', 0, [4, 3, 3], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.3:0.5', 1, [4, 6], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.5:0.6', 2, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.6:0.7', 3, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.8:0.9', 8, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.9:1', 9, [10], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0.9:1', 9, [10], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0:0.2', 1, [4, 6], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0.6:0.7', 3, [10], 10],
    ['0,0.2,0.5', '0:0.2', 3, [6, 4], 10],
    ['0,0.2,0.5', '0.2:0.5', 1, [4, 2, 4], 10],
    ['0,2/5,4/5', '0:2/5', 0, [3, 2], 5],
    ['0,2/5,4/5', '2/5:4/5', 1, [3, 2], 5],
    [undefined, '0:0.2', 1, [5], 5],
    [undefined, '0:1/5', 1, [5], 5],
    [undefined, '0:2/10', 1, [5], 5],
    [undefined, '0:0.4', 1, [2, 3], 5],
    [undefined, '0:2/5', 1, [2, 3], 5],
    [undefined, '2/5:4/5', 1, [3, 2], 5],
    [undefined, '0:4/10', 1, [2, 3], 5],
    [undefined, '1/10:5/10', 1, [2, 2, 4, 2], 10],
  ])('sequence %s, segment %s → start %i, offsets %j, lcd %i', (seq, seg, start, offsets, lcd) => {
    const t = tuple(seg, seq)
    expect(t.start).toBe(start)
    expect(t.offsets).toEqual(offsets)
    expect(t.lcd).toBe(lcd)
  })

  it.each([
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', 10],
    ['0,0.1,0.5,0.6,0.7,0.8,0.9,1', 10],
    ['0,1/3,5/6', 6],
    ['0,1/3,4/7', 21],
  ])('the sequence %s stripes over %i elements', (seq, lcd) => {
    expect(tuple(undefined, seq).lcd).toBe(lcd)
  })
})

describe('scale (k6 ScaleInt64)', () => {
  it.each([
    ['0:1/3', { 50: 17, 10: 4, 3: 1, 2: 1, 1: 1, 0: 0 }],
    ['1/3:2/3', { 50: 17, 10: 3, 3: 1, 2: 1, 1: 0, 0: 0 }],
    ['2/3:1', { 50: 16, 10: 3, 3: 1, 2: 0, 1: 0, 0: 0 }],
  ])('segment %s of 0,1/3,2/3,1 scales as k6 does', (seg, expected) => {
    const t = tuple(seg, '0,1/3,2/3,1')
    for (const [value, scaled] of Object.entries(expected)) expect(t.scale(Number(value)), value).toBe(scaled)
  })

  it('splits 10 VUs over three thirds as 4/3/3', () => {
    expect(['0:1/3', '1/3:2/3', '2/3:1'].map((s) => tuple(s, '0,1/3,2/3,1').scale(10))).toEqual([4, 3, 3])
  })

  it('whatever the value, the parts of a sequence add up to it and own disjoint elements', () => {
    for (const seq of ['0,1/3,2/3,1', '0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0,1/7,3/7,1', formatSequence(evenSequence(8))]) {
      const parts = parseSequence(seq).value ?? []
      const tuples = parts.map((p) => tuple(`${p.from.num}/${p.from.den}:${p.to.num}/${p.to.den}`, seq))
      for (const value of [0, 1, 2, 5, 9, 10, 37, 100, 1001]) {
        expect(tuples.reduce((n, t) => n + t.scale(value), 0)).toBe(value)
        const owned = tuples.flatMap((t) => Array.from({ length: t.scale(value) }, (_, k) => t.globalIndex(k)))
        expect(owned.sort((a, b) => a - b)).toEqual(Array.from({ length: value }, (_, i) => i))
      }
    }
  })

  it('a part owns the global elements below value that its scale counts', () => {
    const t = tuple('1/3:2/3', '0,1/3,2/3,1')
    expect([0, 1, 2, 3, 4].map((k) => t.globalIndex(k))).toEqual([1, 4, 7, 10, 13])
  })
})

describe('forValue (k6 GetNewExecutionTupleFromValue)', () => {
  it('drops the parts that get nothing and resizes the rest', () => {
    const t = tuple('0:1/3', '0,1/3,2/3,1')
    expect(formatSequence(t.forValue(20)?.sequence ?? [])).toBe('0,7/20,7/10,1')
  })

  it.each([
    ['0:1/3', { 50: { 50: 17, 1: 1 }, 20: { 50: 18, 1: 1 }, 3: { 50: 17 }, 2: { 50: 25, 1: 1 }, 1: { 50: 50, 1: 1 } }],
    ['1/3:2/3', { 50: { 50: 17, 1: 0 }, 20: { 50: 17 }, 3: { 50: 17 }, 2: { 50: 25, 1: 0 }, 1: undefined }],
    ['2/3:1', { 50: { 50: 16 }, 20: { 50: 15 }, 3: { 50: 16 }, 2: undefined, 1: undefined }],
  ])('segment %s of 0,1/3,2/3,1', (seg, cases) => {
    const t = tuple(seg, '0,1/3,2/3,1')
    for (const [value, scales] of Object.entries(cases)) {
      const next = t.forValue(Number(value))
      if (scales === undefined) {
        expect(next, `value ${value}`).toBeUndefined()
        continue
      }
      for (const [v, scaled] of Object.entries(scales)) expect(next?.scale(Number(v)), `${value}: ${v}`).toBe(scaled)
    }
  })
})

describe('parsing', () => {
  it.each([
    ['1/3:2/3', '1/3:2/3'], ['0.5', '0:1/2'], ['25%:50%', '1/4:1/2'], ['0:1', '0:1'],
  ])('reads %s as %s', (text, expected) => {
    const s = parseSegment(text).value
    expect(s === undefined ? undefined : `${fmt(s.from)}:${fmt(s.to)}`).toBe(expected)
  })

  it.each([
    ['2/3:1/3', 'must be below its end'], ['0:1.5', 'at most 1'], ['abc', 'not a fraction'], ['-1/3:1', 'not a fraction'],
    ['1/0', 'not a fraction'],
  ])('refuses the segment %s', (text, message) => {
    const r = parseSegment(text)
    expect(r.value).toBeUndefined()
    expect(r.diagnostics[0]?.message).toContain(message)
  })

  it('refuses a sequence with one point, points out of order, and a segment that is not one of its parts', () => {
    expect(parseSequence('0').diagnostics[0]?.message).toContain('at least 2 points')
    expect(parseSequence('0,2/3,1/3,1').diagnostics[0]?.message).toContain('below its end')
    const seq = parseSequence('0,1/3,2/3,1').value ?? []
    const r = ExecutionTuple.of(parseSegment('0:1/2').value, seq)
    expect(r.diagnostics[0]?.message).toBe('the segment 0:1/2 is not one of the sequence 0,1/3,2/3,1')
  })

  it('refuses a denominator that would make striping too costly', () => {
    const r = ExecutionTuple.of(parseSegment('0:0.3333333333').value)
    expect(r.diagnostics[0]?.message).toContain('common denominator')
  })
})

function fmt (r: { num: bigint, den: bigint }): string {
  return r.den === 1n ? String(r.num) : `${r.num}/${r.den}`
}
