import { transform } from 'sucrase'

/** Files whose types are stripped before the script is compiled: k6 runs `.ts` scripts too. */
export const TYPESCRIPT_FILE_RE = /\.[cm]?ts$/i

/**
 * The JavaScript of a TypeScript module: types, interfaces and type-only imports removed, line for line, so every
 * diagnostic and exception still names the line of the `.ts` file. Enums and parameter properties become plain code,
 * as k6's own TypeScript support does.
 */
export function stripTypes (source: string): { code: string } | { line: number, message: string } {
  try {
    return { code: transform(source, { transforms: ['typescript'], disableESTransforms: true }).code }
  } catch (err) {
    // Sucrase's parse errors end with "(line:column)".
    const message = (err as Error).message
    const at = /\((\d+):(\d+)\)\s*$/.exec(message)
    return { line: at === null ? 1 : Number(at[1]), message: `TypeScript: ${message.replace(/\s*\(\d+:\d+\)\s*$/, '')}` }
  }
}
