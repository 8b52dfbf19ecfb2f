import { createHash, randomBytes } from 'node:crypto'

// 256 random bits: far beyond guessing, which is also why a plain SHA-256 (no salt, no stretching) is enough to store.
const CREDENTIAL_BYTES = 32

/** Where the hashes of issued agent credentials are looked up (the agents table). */
export interface AgentCredentialStore {
  /** The stored hash (hex) of the agent's current credential; undefined for an unknown agent. */
  hashOf (agentName: string): Promise<string | undefined>
  /** The agent whose current credential has this hash (hex), if any. */
  ownerOf (credentialHash: string): Promise<string | undefined>
}

/** SHA-256 of a credential, as stored. */
export function credentialDigest (credential: string): Buffer {
  return createHash('sha256').update(credential, 'utf8').digest()
}

/** A fresh credential for one agent (base64url, given to the agent once) and the hash (hex) the server keeps. */
export function issueAgentCredential (): { credential: string, hash: string } {
  const credential = randomBytes(CREDENTIAL_BYTES).toString('base64url')
  return { credential, hash: credentialDigest(credential).toString('hex') }
}
