import type { RunStatus } from '@loadfleet/api'

/** A run the control plane just judged (first write of its result), after its changes were recorded. */
export interface RunJudgedEvent {
  targetId: string
  runId: string
  status: RunStatus
}

export type RunJudgedListener = (event: RunJudgedEvent) => void | Promise<void>

/**
 * In-process subscription to judged runs, e.g. for an alert evaluator. Listeners run one after another, in the
 * order they subscribed; one that throws is reported to `onError` and does not stop the others.
 */
export class RunJudgedHook {
  readonly #listeners = new Set<RunJudgedListener>()

  /** Subscribes; returns the function that unsubscribes. */
  onRunJudged (listener: RunJudgedListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  async emit (event: RunJudgedEvent, onError: (err: unknown) => void): Promise<void> {
    for (const listener of [...this.#listeners]) {
      try {
        await listener(event)
      } catch (err) {
        onError(err)
      }
    }
  }
}
