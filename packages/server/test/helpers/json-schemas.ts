import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS with its plugin as module.exports; under NodeNext the default import is that object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const SCHEMAS = new URL('../schemas/', import.meta.url)
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#'
const compiled = new Map<string, ValidateFunction>()

/**
 * Validates data against a schema vendored under test/schemas (see its README for where each comes from).
 * Returns one line per problem, empty when valid.
 */
export function jsonSchemaProblems (schemaFile: string, data: unknown): string[] {
  let validate = compiled.get(schemaFile)
  if (validate === undefined) {
    // Not strict: published schemas use keywords and formats of their own (markdownDescription, "duration").
    const ajv = new Ajv({ strict: false, allErrors: true })
    addFormats(ajv)
    const schema = JSON.parse(readFileSync(new URL(schemaFile, SCHEMAS), 'utf8')) as { $schema?: string }
    // The Compose schema names draft-07 by its https address without '#'; ajv knows it by the canonical one.
    if (schema.$schema?.replace(/^https:/, 'http:').replace(/#?$/, '#') === DRAFT_07) schema.$schema = DRAFT_07
    validate = ajv.compile(schema)
    compiled.set(schemaFile, validate)
  }
  if (validate(data)) return []
  return (validate.errors ?? []).map((e) => `${e.instancePath === '' ? '/' : e.instancePath} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
}
