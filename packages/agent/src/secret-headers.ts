import { readFile } from 'node:fs/promises'
import { headerValueProblem, secretReferenceOf, type AgentTarget } from '@loadfleet/api/client'

/** A target's secret headers with their values, or why a run cannot have them (naming headers, never values). */
export type ResolvedSecretHeaders = { headers: Record<string, string> } | { problem: string }

/**
 * The values of a target's secret headers for a run starting now: literal values as the control plane sent them,
 * `env:NAME` from this agent's environment and `file:/path` read from disk, so a rotated secret is used at the next
 * run without touching the control plane.
 */
export async function resolveSecretHeaders (
  target: AgentTarget, env: Record<string, string | undefined> = process.env,
): Promise<ResolvedSecretHeaders> {
  const unreadable = target.unreadableSecretHeaders ?? []
  if (unreadable.length > 0) {
    return { problem: `secret header ${unreadable.map((n) => `"${n}"`).join(', ')} is sealed with a key the control ` +
      'plane does not have (see LOADFLEET_SECRET_KEYS_PREVIOUS)' }
  }
  const headers: Record<string, string> = {}
  for (const [name, stored] of Object.entries(target.secretHeaders ?? {})) {
    const resolved = await resolveOne(stored, env)
    if ('problem' in resolved) return { problem: `secret header "${name}": ${resolved.problem}` }
    headers[name] = resolved.value
  }
  return { headers }
}

async function resolveOne (
  stored: string, env: Record<string, string | undefined>,
): Promise<{ value: string } | { problem: string }> {
  const reference = secretReferenceOf(stored)
  let value: string
  if (reference === undefined) return { problem: 'not a literal value, env:NAME or file:/path' }
  if (reference.kind === 'literal') {
    value = reference.value
  } else if (reference.kind === 'env') {
    const found = env[reference.name]
    if (found === undefined || found === '') return { problem: `environment variable ${reference.name} is not set` }
    value = found
  } else {
    try {
      // A file written by `echo` or a text editor ends with a newline that is no part of the secret.
      value = (await readFile(reference.path, 'utf8')).replace(/\r?\n$/, '')
    } catch (err) {
      return { problem: `cannot read ${reference.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` }
    }
  }
  const problem = headerValueProblem(value)
  return problem === undefined ? { value } : { problem }
}
