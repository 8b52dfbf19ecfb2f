import { z } from 'zod'
import { RunFinish, RunId, StoredText } from './schemas.js'

/** A test's source text as a whole test file or k6 script carries it: the same limit as a site's script. */
export const TEST_SOURCE_MAX_CHARS = 256 * 1024
/** At most this many parts (agents) per distributed run. */
export const DISTRIBUTED_MAX_AGENTS = 100

/** A test sent as text: its file name says what it is (`.yaml`, `.yml`, `.json` test file, `.js`/`.mjs` k6 script). */
export const TestSourceSpec = z.strictObject({
  file: z.string().min(1).max(200)
    .regex(/^[^/\\\0]+\.(ya?ml|json|m?js)$/i, 'expected a file name ending in .yaml, .yml, .json, .js or .mjs')
    .describe('Name of the test file or k6 script, without directories; its extension says which it is'),
  source: StoredText(TEST_SOURCE_MAX_CHARS).describe('The test file or script itself'),
})
export type TestSourceSpec = z.infer<typeof TestSourceSpec>

/** Asks for one test to be run by several agents at once, each one segment of it (k6's execution segments). */
export const DistributedRunCreate = z.strictObject({
  test: TestSourceSpec,
  agents: z.number().int().min(1).max(DISTRIBUTED_MAX_AGENTS).describe('How many agents share the test (1–100)'),
  acceptTimeoutS: z.number().int().min(5).max(3600).default(60)
    .describe('How long the parts may wait for agents before the run fails naming the missing ones'),
})
export type DistributedRunCreate = z.input<typeof DistributedRunCreate>

/**
 * A distributed run's status. `waiting`: not every part has an agent yet. `running`: every part was accepted and
 * the start time is set. `passed`/`failed`: every part reported, judged once on the merged result. `error`: a part
 * failed, was lost or was never accepted (the reason names it); the parts that reported are kept.
 */
export const DistributedRunStatus = z.enum(['waiting', 'running', 'passed', 'failed', 'error'])
export type DistributedRunStatus = z.infer<typeof DistributedRunStatus>

/**
 * A part's status: `open` (no agent yet), `claimed` (an agent took it and is loading the test), `accepted` (ready to
 * start), `reported`, `error` (its agent reported one), `lost` (its agent stopped heartbeating or left).
 */
export const RunPartStatus = z.enum(['open', 'claimed', 'accepted', 'reported', 'error', 'lost'])
export type RunPartStatus = z.infer<typeof RunPartStatus>

export const RunPart = z.object({
  index: z.number().int().min(0),
  /** Its execution segment, e.g. `1/3:2/3`. */
  segment: z.string(),
  agentName: z.string().nullable(),
  status: RunPartStatus,
  acceptedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** Requests the part made, once reported. */
  requests: z.number().int().min(0).nullable(),
})
export type RunPart = z.infer<typeof RunPart>

export const DistributedRun = z.object({
  id: z.string(),
  file: z.string(),
  agents: z.number().int(),
  status: DistributedRunStatus,
  createdAt: z.string(),
  acceptBy: z.string(),
  /** The common start time, once every part was accepted. */
  startAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Why the run is `failed` (thresholds crossed, with observed values) or `error` (which part, and why). */
  failureReason: z.string().nullable(),
  /** The sequence the parts split the test by, e.g. `0,1/3,2/3,1`. */
  sequence: z.string(),
  parts: z.array(RunPart),
  /** The merged result (k6 handleSummary-shaped metrics, thresholds judged once); null until every part reported. */
  result: z.record(z.string(), z.unknown()).nullable(),
})
export type DistributedRun = z.infer<typeof DistributedRun>

/** What an agent is given to run: its part of a distributed run. */
export const PartAssignment = z.strictObject({
  runId: RunId,
  index: z.number().int().min(0).max(DISTRIBUTED_MAX_AGENTS - 1),
  segment: z.string().min(3).max(200),
  sequence: z.string().min(3).max(4000),
  test: TestSourceSpec,
})
export type PartAssignment = z.infer<typeof PartAssignment>

export const PartClaimed = z.strictObject({ part: PartAssignment.nullable() })
export type PartClaimed = z.infer<typeof PartClaimed>

/**
 * Where a part stands for its agent: `waiting` for the other parts, `start` in `startInMs` (relative, so the agents'
 * clocks need not agree), or `cancelled` with the reason (the run failed meanwhile).
 */
export const PartState = z.strictObject({
  state: z.enum(['waiting', 'start', 'cancelled']),
  startInMs: z.number().int().min(0).max(3_600_000).nullable(),
  reason: z.string().max(4000).nullable(),
})
export type PartState = z.infer<typeof PartState>

/** An agent reports its part's result: as a run's finish, with the engine's whole result (histograms included). */
export const PartFinish = RunFinish
export type PartFinish = z.input<typeof PartFinish>
