import * as hdr from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'

/** Highest value kept apart, in µs: 10 minutes, so long iterations and 60 s timeouts fit. Larger values clamp. */
export const HIGHEST_TRACKABLE_US = 600_000_000
/** 3 significant digits: a recorded value is off by at most 0.1 % (64 µs at 100 ms). */
const SIGNIFICANT_DIGITS = 3

let wasmReady = false
/**
 * Shared by concurrent callers: loading the backend again replaces its module, and histograms built on the first
 * one could then no longer be freed (several parts of a segmented test run in one process).
 */
let loading: Promise<void> | undefined

/** Loads the WebAssembly histogram backend once (about 2.5× faster records than the JS one). */
export async function initHistograms (): Promise<void> {
  loading ??= hdr.initWebAssembly().then(() => { wasmReady = true })
  await loading
}

/** A fresh histogram with the engine's configuration: µs, 1 µs … 10 min, 3 digits, no sampling. */
export function buildHistogram (useWebAssembly = wasmReady): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: 32,
    autoResize: false,
    useWebAssembly,
  })
}

/**
 * A k6 Trend of microsecond values: every sample goes into an HdrHistogram for percentiles, while the sum,
 * minimum and maximum are kept exactly (HDR would round them to its bucket).
 */
export class Trend {
  readonly #hist: Histogram = buildHistogram()
  #count = 0
  #sumUs = 0
  #minUs = Infinity
  #maxUs = 0

  /** Hot path: never throws; negative or non-finite inputs count as 0, values past the range clamp. */
  record (valueUs: number): void {
    const v = valueUs > 0 ? (valueUs < HIGHEST_TRACKABLE_US ? valueUs : HIGHEST_TRACKABLE_US) : 0
    this.#count++
    this.#sumUs += v
    if (v < this.#minUs) this.#minUs = v
    if (v > this.#maxUs) this.#maxUs = v
    // HDR buckets are integers; values below 1 µs share the lowest bucket.
    this.#hist.recordValue(v < 1 ? 1 : Math.round(v))
  }

  get count (): number {
    return this.#count
  }

  /** HdrHistogram's percentile: the highest value equivalent to the one at or below which `p` % of samples lie. */
  percentileUs (p: number): number {
    if (this.#count === 0) return 0
    // A bucket's highest equivalent value can lie past the largest (or below the smallest) sample seen.
    const us = this.#hist.getValueAtPercentile(p)
    return us > this.#maxUs ? this.#maxUs : us < this.#minUs ? this.#minUs : us
  }

  /**
   * k6 trend stats in ms (fractional) for the stat names asked: `avg min med max p(N)`;
   * unknown names are skipped. An empty trend reports 0 for everything, as k6 does.
   */
  statsMs (stats: readonly string[]): Record<string, number> {
    const out: Record<string, number> = {}
    for (const stat of stats) {
      if (stat === 'count') {
        out.count = this.#count // k6 allows `count` among trend stats; it is not a time
        continue
      }
      const us = this.#statUs(stat)
      if (us !== undefined) out[stat] = us / 1000
    }
    return out
  }

  #statUs (stat: string): number | undefined {
    if (this.#count === 0) return PERCENTILE_RE.test(stat) || BASIC_STATS.has(stat) ? 0 : undefined
    switch (stat) {
      case 'avg': return this.#sumUs / this.#count
      case 'min': return this.#minUs
      case 'max': return this.#maxUs
      case 'med': return this.percentileUs(50)
    }
    const m = PERCENTILE_RE.exec(stat)
    return m === null ? undefined : this.percentileUs(Number(m[1]))
  }

  /** The histogram as compressed base64 (HdrHistogram's standard encoding), for exact merging elsewhere. */
  encode (): string {
    return hdr.encodeIntoCompressedBase64(this.#hist)
  }

  /** Frees the WebAssembly memory; the trend must not be used afterwards. */
  destroy (): void {
    this.#hist.destroy()
  }
}

const PERCENTILE_RE = /^p\((\d+(?:\.\d+)?)\)$/
const BASIC_STATS = new Set(['avg', 'min', 'max', 'med'])
