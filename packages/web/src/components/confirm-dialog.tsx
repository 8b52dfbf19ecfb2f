import { useEffect, useId, useRef, type ReactNode } from 'react'

interface ConfirmDialogProps {
  /** Accessible name of the dialog, e.g. "Confirm deleting Checkout API". */
  label: string
  title: string
  children?: ReactNode
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
}

/**
 * A modal question over the page (native <dialog>: the table underneath does not move, focus stays inside,
 * Escape cancels). The safe choice has the focus, so a stray Enter does not destroy anything.
 */
export function ConfirmDialog ({ label, title, children, confirmLabel, onConfirm, onCancel }: ConfirmDialogProps):
ReactNode {
  const ref = useRef<HTMLDialogElement>(null)
  const id = useId()

  useEffect(() => {
    // Keyboard users land back on the control that asked once the dialog is gone.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
    return () => { opener?.focus() }
  }, [])

  return (
    <dialog ref={ref} className="dialog" aria-label={label} aria-describedby={`${id}-body`}
      onCancel={(event) => {
        event.preventDefault()
        onCancel()
      }}>
      <div className="dialog-body">
        <h2 className="dialog-title">{title}</h2>
        <div id={`${id}-body`} className="dialog-text">{children}</div>
        <div className="dialog-actions">
          <button type="button" className="button" autoFocus onClick={onCancel}>Cancel</button>
          <button type="button" className="button danger" onClick={onConfirm}>{confirmLabel}</button>
        </div>
      </div>
    </dialog>
  )
}
