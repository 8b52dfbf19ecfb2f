import { ApiError, type AgentRegister, type ApiClient } from '@loadfleet/api/client'
import { AgentTokenRejected } from './failure.js'
import type { Logger } from './logger.js'

export interface AgentSessionOptions {
  client: ApiClient
  agentName: string
  /** What this agent registers with (name, version, heartbeat interval). */
  registration: AgentRegister
  logger: Logger
}

/**
 * The agent's standing with the control plane. It registers with the enrolment secret (DASHBOARD_SECRET) and the
 * client keeps the credential it is given, in memory only: it is never logged nor written to disk. When an agent
 * route answers 401 (another registration of this name replaced the credential, or the agent was forgotten), it
 * registers again and retries the call once.
 */
export class AgentSession {
  readonly #o: AgentSessionOptions
  #registering: Promise<void> | null = null
  #registered = false

  constructor (options: AgentSessionOptions) {
    this.#o = options
  }

  /** Registers; concurrent callers share one registration, so they do not replace each other's credential. */
  register (): Promise<void> {
    this.#registering ??= this.#register().finally(() => { this.#registering = null })
    return this.#registering
  }

  /** Calls one of this agent's routes (registering first if it never has); after a 401 it registers again, once. */
  async call<T> (call: string, send: (client: ApiClient) => Promise<T>): Promise<T> {
    const { client, agentName } = this.#o
    // Spooled results go out at start, racing the first registration: wait for it rather than be refused.
    if (!this.#registered) await this.register()
    const credential = client.agentCredential(agentName)
    try {
      return await send(client)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err
      // Calls refused together share one registration: a credential that already changed is simply retried.
      if (client.agentCredential(agentName) === credential) {
        this.#o.logger.log('warn', 'credential_refused', { agent: agentName, call, action: 'registering again' })
        await this.register()
      }
      return await send(client)
    }
  }

  async #register (): Promise<void> {
    try {
      await this.#o.client.registerAgent(this.#o.registration)
      this.#registered = true
    } catch (err) {
      // Registration takes the enrolment secret: refused, nothing this agent can do will help.
      if (err instanceof ApiError && err.status === 401) throw new AgentTokenRejected({ cause: err })
      throw err
    }
  }
}
