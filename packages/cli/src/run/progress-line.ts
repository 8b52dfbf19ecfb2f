import { formatDurationMs } from '@loadfleet/core'
import type { RunProgress } from '@loadfleet/engine'

/** Carriage return + "erase line": the progress line rewrites itself in place. */
const REWRITE = '\r\x1b[2K'

/** One progress line: elapsed/total, VUs, requests/s, p95 and error share. */
export function formatProgress (p: RunProgress): string {
  const elapsed = formatDurationMs(Math.floor(p.elapsedMs / 1000) * 1000)
  const total = formatDurationMs(p.totalMs)
  return `running [${elapsed}/${total}] ${p.vus} VUs  ${p.rps.toFixed(1)} req/s  p95=${p.p95Ms.toFixed(2)}ms  ` +
    `errors=${(p.errorRate * 100).toFixed(2)}%  iterations=${p.iterations}`
}

/** Live progress on a terminal's stderr; does nothing at all when stderr is not a TTY. */
export class ProgressLine {
  readonly #out: NodeJS.WriteStream
  readonly #enabled: boolean
  #shown = false

  constructor (out: NodeJS.WriteStream, enabled: boolean) {
    this.#out = out
    this.#enabled = enabled && out.isTTY
  }

  get enabled (): boolean {
    return this.#enabled
  }

  update (p: RunProgress): void {
    if (!this.#enabled) return
    this.#out.write(REWRITE + formatProgress(p))
    this.#shown = true
  }

  clear (): void {
    if (this.#shown) this.#out.write(REWRITE)
    this.#shown = false
  }
}
