import { OptionsSchema, RequestSchema, SUPPORTED_EXECUTORS, TestFileSchema } from './schema.js'

const STAGE_KEYS = ['duration', 'target']
const THRESHOLD_KEYS = ['threshold', 'abortOnFail', 'delayAbortEval']
const COMMON_SCENARIO_KEYS = ['executor', 'startTime', 'gracefulStop']
const SCENARIO_KEYS: Record<string, string[]> = {
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'per-vu-iterations': ['vus', 'iterations', 'maxDuration'],
  'shared-iterations': ['vus', 'iterations', 'maxDuration'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
}

/** The keys the schema allows at a path, for "unknown option" messages that say what would be right. */
export function allowedKeysAt (path: readonly PropertyKey[], input: unknown): string[] {
  const p = path.map(String)
  if (p.length === 0) return Object.keys(TestFileSchema.shape)
  if (p.length === 1 && p[0] === 'options') return Object.keys(OptionsSchema.shape)
  if (p[0] === 'requests' && p.length === 2) return Object.keys(RequestSchema.shape)
  if (p[0] === 'requests' && p[2] === 'expect') return ['status']
  if (p.at(-2) === 'stages') return STAGE_KEYS
  if (p[1] === 'thresholds') return THRESHOLD_KEYS
  if (p[1] === 'scenarios' && p.length === 3) {
    const executor = executorAt(input, p[2] ?? '')
    const specific = SCENARIO_KEYS[executor] ?? SUPPORTED_EXECUTORS.flatMap((e) => SCENARIO_KEYS[e] ?? [])
    return [...new Set([...COMMON_SCENARIO_KEYS, ...specific])]
  }
  return []
}

function executorAt (input: unknown, name: string): string {
  type Raw = { options?: { scenarios?: Record<string, { executor?: unknown }> } } | null
  const scenarios = (input as Raw)?.options?.scenarios
  const executor = scenarios?.[name]?.executor
  return typeof executor === 'string' ? executor : ''
}
