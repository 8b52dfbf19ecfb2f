import { execFile } from 'node:child_process'

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a program without a shell; injectable so the Compose scaler is tested against the exact commands. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>

// `docker compose up` pulls images on first use; give it time, but never hang a reconcile pass forever.
const COMMAND_TIMEOUT_MS = 120_000

/** The real runner: execFile, no shell, bounded in time and output. */
export const execCommand: CommandRunner = (command, args) => new Promise((resolve) => {
  execFile(command, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
    const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 127
    resolve({ code, stdout, stderr: stderr === '' && err !== null ? err.message : stderr })
  })
})
