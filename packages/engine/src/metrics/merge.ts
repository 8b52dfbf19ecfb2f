import * as hdr from 'hdr-histogram-js'
import { buildHistogram } from './trend.js'

/**
 * Merges compressed HdrHistograms (base64, as in `RunResult.histograms`) from several workers or agents into one.
 * Exact: counts add bucket by bucket, so the merged percentiles equal those of one histogram that recorded every
 * sample. Throws on a string that is not an encoded histogram.
 */
export function mergeHistograms (encoded: readonly string[]): string {
  const total = buildHistogram(false)
  try {
    for (const text of encoded) {
      // Decoding in JS mode keeps this usable where the WebAssembly backend was never loaded (the control plane).
      const part = hdr.decodeFromCompressedBase64(text, 32, false)
      total.add(part)
      part.destroy()
    }
    return hdr.encodeIntoCompressedBase64(total)
  } finally {
    total.destroy()
  }
}

/** Values (µs) at the given percentiles of an encoded histogram, as HdrHistogram reports them. */
export function percentilesOfEncoded (encoded: string, percentiles: readonly number[]): number[] {
  const h = hdr.decodeFromCompressedBase64(encoded, 32, false)
  try {
    return percentiles.map((p) => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p)))
  } finally {
    h.destroy()
  }
}
