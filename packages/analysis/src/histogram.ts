import * as hdr from 'hdr-histogram-js'
import type { JsHistogram } from 'hdr-histogram-js'

/** A decoded latency histogram: bucket values (µs, ascending) with their counts, and the log-mean latency. */
export interface LatencyBuckets {
  valuesUs: Float64Array
  counts: Float64Array
  total: number
  /** Mean of ln(latency in ms): the log of the geometric mean, which follows shifts of the whole distribution. */
  logMeanMs: number
}

/** Decoded histograms are kept (most recently used first out) so each run is decoded once, not on every call. */
const CACHE_MAX = 512
const cache = new Map<string, LatencyBuckets | null>()

/** Decodes an engine histogram (compressed base64, µs); null when it is empty or not a histogram. */
export function decodeLatency (encoded: string): LatencyBuckets | null {
  const hit = cache.get(encoded)
  if (hit !== undefined) {
    cache.delete(encoded)
    cache.set(encoded, hit)
    return hit
  }
  const value = decodeUncached(encoded)
  cache.set(encoded, value)
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string)
  return value
}

function decodeUncached (encoded: string): LatencyBuckets | null {
  let h: JsHistogram
  try {
    // JS mode: the WebAssembly backend is not loaded in the control plane.
    h = hdr.decodeFromCompressedBase64(encoded, 32, false) as JsHistogram
  } catch {
    return null
  }
  try {
    if (h.totalCount === 0) return null
    const values: number[] = []
    const counts: number[] = []
    let logSum = 0
    const it = h.recordedValuesIterator
    it.reset()
    while (it.hasNext()) {
      const step = it.next()
      const us = Math.max(1, step.valueIteratedTo) // the bucket's highest equivalent value
      values.push(us)
      counts.push(step.countAtValueIteratedTo)
      logSum += step.countAtValueIteratedTo * Math.log(us / 1000)
    }
    const total = h.totalCount
    return { valuesUs: Float64Array.from(values), counts: Float64Array.from(counts), total, logMeanMs: logSum / total }
  } finally {
    h.destroy()
  }
}

/** Buckets of several histograms added together (requests of several runs pooled). */
export function poolBuckets (parts: readonly LatencyBuckets[]): Map<number, number> {
  const pooled = new Map<number, number>()
  for (const p of parts) {
    for (let i = 0; i < p.valuesUs.length; i++) {
      const v = p.valuesUs[i] ?? 0
      pooled.set(v, (pooled.get(v) ?? 0) + (p.counts[i] ?? 0))
    }
  }
  return pooled
}

/**
 * Cliff's delta between two pooled request-latency distributions: P(recent > base) − P(recent < base) for a random
 * request of each, in one pass over the merged buckets (requests in the same bucket count as ties).
 */
export function pooledCliffsDelta (recent: Map<number, number>, base: Map<number, number>): number {
  const keys = [...new Set([...recent.keys(), ...base.keys()])].sort((a, b) => a - b)
  let nR = 0
  let nB = 0
  for (const c of recent.values()) nR += c
  for (const c of base.values()) nB += c
  if (nR === 0 || nB === 0) return 0
  let baseBelow = 0
  let greater = 0
  let less = 0
  for (const k of keys) {
    const r = recent.get(k) ?? 0
    const b = base.get(k) ?? 0
    greater += r * baseBelow
    less += r * (nB - baseBelow - b)
    baseBelow += b
  }
  return (greater - less) / (nR * nB)
}
