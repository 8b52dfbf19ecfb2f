import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { CLI_BIN, REPO_ROOT } from './repo.js'

/** One JSON log line of an agent. */
export interface AgentEvent { t: string, level: string, event: string, [field: string]: unknown }

/** A real `loadfleet agent` child process whose log lines are parsed as they arrive. */
export class AgentProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly events: AgentEvent[] = []
  /** Anything on stderr that was not a JSON event (a crash would show here). */
  readonly stray: string[] = []

  constructor (name: string, env: Record<string, string>, args: string[] = []) {
    this.name = name
    this.child = spawn(process.execPath, [CLI_BIN, 'agent', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', AGENT_NAME: name, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buffer = ''
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString()
      let newline = buffer.indexOf('\n')
      while (newline >= 0) {
        this.#line(buffer.slice(0, newline))
        buffer = buffer.slice(newline + 1)
        newline = buffer.indexOf('\n')
      }
    }
    this.child.stdout?.on('data', onData)
    this.child.stderr?.on('data', onData)
  }

  /** Run ids this agent logged as started. */
  startedRunIds (): string[] {
    return this.events.filter((e) => e.event === 'run_started').map((e) => String(e.runId))
  }

  get exited (): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  /** Sends `signal` and resolves with the exit code (or signal) once the process is gone, bounded in time. */
  async stop (signal: NodeJS.Signals, timeoutMs = 20_000): Promise<number | string | null> {
    if (!this.exited) {
      const exited = once(this.child, 'exit')
      this.child.kill(signal)
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
      await exited
      clearTimeout(timer)
    }
    return this.child.exitCode ?? this.child.signalCode
  }

  #line (line: string): void {
    if (line.trim() === '') return
    try {
      this.events.push(JSON.parse(line) as AgentEvent)
    } catch {
      this.stray.push(line)
    }
  }
}
