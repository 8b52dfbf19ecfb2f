import { useEffect, useEffectEvent, useState } from 'react'

/** New runs and agent changes must show up within a few seconds without a reload. */
export const POLL_INTERVAL_MS = 2_500

export interface Polled<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  /** Fetch again now (after a change the user made). */
  reload: () => void
}

interface State<T> { key: string, data: T | undefined, error: unknown }

/**
 * Loads `load()` now and every POLL_INTERVAL_MS while the tab is visible. `key` names what is loaded:
 * when it changes, the old data is dropped instead of being shown under the new filter.
 */
export function usePolled<T> (key: string, load: () => Promise<T>, intervalMs = POLL_INTERVAL_MS): Polled<T> {
  const [state, setState] = useState<State<T>>({ key, data: undefined, error: undefined })
  const [nonce, setNonce] = useState(0)
  const fetchNow = useEffectEvent(load)

  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let inFlight = false

    async function tick (): Promise<void> {
      if (stopped || inFlight) return
      clearTimeout(timer)
      // A hidden tab stops polling; becoming visible again fetches at once.
      if (document.visibilityState === 'hidden') return
      inFlight = true
      try {
        const data = await fetchNow()
        if (!stopped) setState({ key, data, error: undefined })
      } catch (error) {
        if (!stopped) setState((prev) => ({ key, data: prev.key === key ? prev.data : undefined, error }))
      } finally {
        inFlight = false
        // Schedule after the answer, never on a fixed clock, so a slow server is not piled on.
        if (!stopped) timer = setTimeout(() => { void tick() }, intervalMs)
      }
    }

    function onVisibility (): void {
      if (document.visibilityState === 'visible') void tick()
    }

    void tick()
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      stopped = true
      clearTimeout(timer)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [key, nonce, intervalMs])

  const current = state.key === key
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.data === undefined && state.error === undefined),
    reload: () => { setNonce((n) => n + 1) },
  }
}
