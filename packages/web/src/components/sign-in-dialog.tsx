import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react'

interface SignInDialogProps {
  message: string | null
  onSubmit: (user: string, password: string) => void
  onCancel: () => void
}

/** Modal asking for the admin credentials (ADMIN_BASIC_AUTH); a native <dialog> traps focus and handles Escape. */
export function SignInDialog ({ message, onSubmit, onCancel }: SignInDialogProps): ReactNode {
  const ref = useRef<HTMLDialogElement>(null)
  const [user, setUser] = useState('admin')
  const [password, setPassword] = useState('')
  const id = useId()

  useEffect(() => {
    // Keyboard users land back on the control that asked for credentials once the dialog is gone.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
    return () => { opener?.focus() }
  }, [])

  function submit (event: FormEvent): void {
    event.preventDefault()
    onSubmit(user, password)
  }

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault()
        onCancel()
      }}
    >
      <form onSubmit={submit} className="dialog-body">
        <h2 id={`${id}-title`} className="dialog-title">Admin sign-in</h2>
        <p className="muted">Changes need the admin credentials (ADMIN_BASIC_AUTH). They are kept for this browser
          session only.</p>
        {message !== null && <p className="form-error" role="alert">{message}</p>}
        <div className="field">
          <label htmlFor={`${id}-user`}>User</label>
          <input id={`${id}-user`} name="user" autoComplete="username" required value={user}
            onChange={(event) => { setUser(event.target.value) }} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input id={`${id}-password`} name="password" type="password" autoComplete="current-password" required
            autoFocus value={password} onChange={(event) => { setPassword(event.target.value) }} />
        </div>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>Cancel</button>
          <button type="submit" className="button primary">Sign in</button>
        </div>
      </form>
    </dialog>
  )
}
