// Expected statuses travel as a list of codes and ranges, so `[200, 201]`, `["200-299", 404]` and the default
// `["200-399"]` are all one shape. Zod-free: the agent expands them without loading the schemas.

/** The statuses counted as success when a site names none: k6's default, 200–399. */
export const DEFAULT_EXPECTED_STATUSES: readonly ExpectedStatus[] = ['200-399']
export const EXPECTED_STATUSES_MAX_ITEMS = 50
export const HTTP_STATUS_MIN = 100
export const HTTP_STATUS_MAX = 599

/** One item of `expectedStatuses`: a status code (`201`) or an inclusive range (`"200-299"`). */
export type ExpectedStatus = number | string

const RANGE_RE = /^\s*(\d{3})\s*-\s*(\d{3})\s*$/

/** Problem with one item, in words, or undefined when it is a status 100–599 or a range lo-hi within it. */
export function expectedStatusProblem (item: unknown): string | undefined {
  if (typeof item === 'number') {
    return Number.isInteger(item) && item >= HTTP_STATUS_MIN && item <= HTTP_STATUS_MAX
      ? undefined
      : `expected a status code from ${HTTP_STATUS_MIN} to ${HTTP_STATUS_MAX}, got ${item}`
  }
  if (typeof item !== 'string') return 'expected a status code (201) or a range ("200-299")'
  const match = RANGE_RE.exec(item)
  if (match === null) return `expected a range like "200-299", got "${item}"`
  const lo = Number(match[1])
  const hi = Number(match[2])
  if (lo < HTTP_STATUS_MIN || hi > HTTP_STATUS_MAX) {
    return `a range must lie within ${HTTP_STATUS_MIN}-${HTTP_STATUS_MAX}, got "${item}"`
  }
  if (lo > hi) return `a range must go from low to high, got "${item}"`
  return undefined
}

/** Every status code the list accepts, ascending and without duplicates (invalid items are skipped). */
export function expandExpectedStatuses (items: readonly ExpectedStatus[]): number[] {
  const codes = new Set<number>()
  for (const item of items) {
    if (expectedStatusProblem(item) !== undefined) continue
    if (typeof item === 'number') {
      codes.add(item)
      continue
    }
    const [lo = 0, hi = -1] = item.split('-').map((part) => Number(part.trim()))
    for (let code = lo; code <= hi; code++) codes.add(code)
  }
  return [...codes].sort((a, b) => a - b)
}

/** True when the list is exactly the default, so the engine can use its own (cheaper) default check. */
export function isDefaultExpectedStatuses (items: readonly ExpectedStatus[]): boolean {
  const codes = expandExpectedStatuses(items)
  return codes.length === 200 && codes[0] === 200 && codes.at(-1) === 399
}
