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

/**
 * Log-mean latencies already computed, by histogram text (least recently used out): decoding costs ~2 ms, and each
 * call re-reads the site's last 40 runs, so a run's histogram is decoded once, not on every call. 4,096 entries
 * (~100 sites × 40 runs) hold a few MB: the texts themselves, which the caller keeps anyway.
 */
const LOG_MEAN_CACHE_MAX = 4096
const logMeanCache = new Map<string, number | null>()

/** ln of the geometric-mean latency (ms) of an engine histogram; null when empty or not a histogram. */
export function logMeanOf (encoded: string): number | null {
  const hit = logMeanCache.get(encoded)
  if (hit !== undefined) {
    logMeanCache.delete(encoded)
    logMeanCache.set(encoded, hit)
    return hit
  }
  const value = decodeLatency(encoded)?.logMeanMs ?? null
  logMeanCache.set(encoded, value)
  if (logMeanCache.size > LOG_MEAN_CACHE_MAX) logMeanCache.delete(logMeanCache.keys().next().value as string)
  return value
}

/** Decoded buckets of recent calls: a reported distribution change pools the same runs' requests on every call. */
const BUCKETS_CACHE_MAX = 256
const bucketsCache = new Map<string, LatencyBuckets | null>()

/** Decodes an engine histogram (compressed base64, µs); null when it is empty or not a histogram. */
export function decodeLatency (encoded: string): LatencyBuckets | null {
  const hit = bucketsCache.get(encoded)
  if (hit !== undefined) {
    bucketsCache.delete(encoded)
    bucketsCache.set(encoded, hit)
    return hit
  }
  const value = decodeUncached(encoded)
  bucketsCache.set(encoded, value)
  if (bucketsCache.size > BUCKETS_CACHE_MAX) bucketsCache.delete(bucketsCache.keys().next().value as string)
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
