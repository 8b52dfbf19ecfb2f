/** A k6 Counter: a running sum, reported with its rate per second of test time. */
export class Counter {
  count = 0

  add (n: number): void {
    this.count += n
  }

  values (durationMs: number): Record<string, number> {
    return { count: this.count, rate: durationMs > 0 ? this.count / (durationMs / 1000) : 0 }
  }
}

/**
 * A k6 Rate: the share of non-zero samples. As in k6, `passes` counts the true samples and `fails` the false ones,
 * so for `http_req_failed` a "pass" is a failed request.
 */
export class Rate {
  passes = 0
  fails = 0

  add (value: boolean): void {
    if (value) this.passes++
    else this.fails++
  }

  get rate (): number {
    const total = this.passes + this.fails
    return total === 0 ? 0 : this.passes / total
  }

  values (): Record<string, number> {
    return { rate: this.rate, passes: this.passes, fails: this.fails }
  }
}

/** A k6 Gauge: the last value set, with the smallest and largest seen. */
export class Gauge {
  value = 0
  min = Infinity
  max = -Infinity

  set (value: number): void {
    this.value = value
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
  }

  /** Raises only the maximum: a peak between two samples, which must not disturb `value` and `min`. */
  noteMax (value: number): void {
    if (value > this.max) this.max = value
  }

  values (): Record<string, number> {
    const seen = this.min !== Infinity
    return { value: this.value, min: seen ? this.min : 0, max: Math.max(this.max, seen ? this.value : 0) }
  }
}
