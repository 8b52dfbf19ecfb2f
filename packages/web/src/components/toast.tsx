import { useEffect, type ReactNode } from 'react'

/** Long enough to read the message and reach the Undo button with the keyboard. */
export const TOAST_MS = 10_000

export interface ToastMessage {
  /** Distinguishes two toasts with the same text, so the timer restarts. */
  id: number
  text: string
  action?: { label: string, run: () => void }
}

/**
 * A short-lived message at the bottom of the screen, with an optional action (Undo). The live region is always
 * rendered, so screen readers announce the message when it appears.
 */
export function Toast ({ toast, onDismiss }: { toast: ToastMessage | null, onDismiss: () => void }): ReactNode {
  useEffect(() => {
    if (toast === null) return
    const timer = setTimeout(onDismiss, TOAST_MS)
    return () => { clearTimeout(timer) }
  }, [toast, onDismiss])

  return (
    <div className="toast-region" role="status" aria-live="polite">
      {toast !== null && (
        <div className="toast" key={toast.id}>
          <span className="toast-text">{toast.text}</span>
          {toast.action !== undefined && (
            <button type="button" className="button small toast-action" onClick={() => {
              toast.action?.run()
              onDismiss()
            }}>{toast.action.label}</button>
          )}
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={onDismiss}>×</button>
        </div>
      )}
    </div>
  )
}
