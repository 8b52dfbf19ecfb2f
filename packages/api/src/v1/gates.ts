import { z } from 'zod'

/** The `kind` an evidence file carries, so tools can tell it from other JSON. */
export const GATE_EVIDENCE_KIND = 'loadfleet.dev/v1/GateEvidence'
/** Largest evidence file kept: a tree of apps with a few figures per test, within the 1 MiB body limit. */
export const GATE_EVIDENCE_MAX_BYTES = 600_000

const IsoTime = z.string().describe('ISO-8601 timestamp')
const Name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected an app or test name')
/** A Git commit SHA, a tag or another revision name; used in URLs, so no spaces or other odd characters. */
export const Revision = z.string().regex(/^[0-9A-Za-z._-]{1,100}$/, 'expected a revision such as a Git commit SHA')

export const GateVerdict = z.enum(['pass', 'warn', 'fail', 'inconclusive'])
export type GateVerdict = z.infer<typeof GateVerdict>
export const GateStatus = z.enum(['pass', 'warn', 'fail', 'inconclusive', 'skipped'])
export type GateStatus = z.infer<typeof GateStatus>

const Figures = z.record(z.string(), z.number()).describe('p50 p90 p95 p99 avg (ms), error_rate (0-1), rps')

export const GateCriterionResult = z.object({
  metric: z.string(),
  criterion: z.string(),
  status: z.enum(['pass', 'fail', 'no-baseline', 'no-value']),
  observed: z.number().nullable(),
  baseline: z.number().nullable(),
  limit: z.number().nullable(),
  message: z.string(),
})

/** One test of a gate: how and where it ran, what it measured, and what held. */
export const GateTestEvidence = z.object({
  name: Name,
  kind: z.enum(['url', 'file', 'script']),
  location: z.string(),
  status: GateStatus,
  /** Why it was skipped or could not run; null otherwise. */
  reason: z.string().nullable(),
  /** `local`: this machine's engine; `fleet`: an agent, as run `runId`. */
  runner: z.enum(['local', 'fleet']).nullable(),
  runId: z.string().nullable(),
  startedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  metrics: Figures,
  thresholds: z.array(z.object({
    metric: z.string(), expression: z.string(), ok: z.boolean(), observed: z.number().nullable(),
  })),
  /** Why the run could not be carried out; null when it ran. */
  errorMessage: z.string().nullable(),
  criteria: z.array(GateCriterionResult),
})
export type GateTestEvidence = z.infer<typeof GateTestEvidence>

/** One app of a gate, with the effective settings it ran with. */
export const GateAppEvidence = z.object({
  name: Name,
  parent: Name.nullable(),
  file: z.string(),
  dependsOn: z.array(Name),
  status: GateStatus,
  reason: z.string().nullable(),
  startedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  /** `loadfleet explain`'s view: each setting with where it came from. */
  settings: z.record(z.string(), z.unknown()),
  tests: z.array(GateTestEvidence),
})
export type GateAppEvidence = z.infer<typeof GateAppEvidence>

/** The previous passing gate of the same app that relative criteria were compared with. */
export const GateBaseline = z.object({
  gateId: z.string().nullable(),
  revision: Revision.nullable(),
  finishedAt: IsoTime,
  source: z.enum(['control-plane', 'evidence-dir']),
})
export type GateBaseline = z.infer<typeof GateBaseline>

/** What `loadfleet gate` writes to its evidence file, and the control plane keeps byte for byte. */
export const GateEvidence = z.object({
  kind: z.literal(GATE_EVIDENCE_KIND),
  app: Name,
  revision: Revision.nullable(),
  verdict: GateVerdict,
  mode: z.enum(['local', 'fleet']),
  startedAt: IsoTime,
  finishedAt: IsoTime,
  identity: z.object({ user: z.string(), host: z.string(), ci: z.string().nullable() }),
  /** The apps in the order they ran (skipped ones included). */
  order: z.array(Name),
  apps: z.array(GateAppEvidence).min(1),
  baseline: GateBaseline.nullable(),
})
export type GateEvidence = z.infer<typeof GateEvidence>

/** `POST /api/admin/gates`: the evidence file's text, kept as sent so its SHA-256 stays the one the CLI printed. */
export const GateRecordRequest = z.strictObject({
  evidence: z.string().min(2).max(GATE_EVIDENCE_MAX_BYTES).describe('The evidence file, as written'),
})
export type GateRecordRequest = z.infer<typeof GateRecordRequest>

/** A recorded gate, without its evidence. */
export const Gate = z.object({
  id: z.string(),
  /** The app gated (the root of the gate). */
  app: z.string(),
  revision: z.string().nullable(),
  verdict: GateVerdict,
  mode: z.enum(['local', 'fleet']),
  /** Who recorded it on the control plane. */
  actor: z.string(),
  startedAt: IsoTime,
  finishedAt: IsoTime,
  baselineRevision: z.string().nullable(),
  evidenceSha256: z.string(),
  /** Each app of the gate and its status, in the order they ran. */
  apps: z.array(z.object({ name: z.string(), status: GateStatus })),
  recordedAt: IsoTime,
})
export type Gate = z.infer<typeof Gate>

/** A gate with its evidence and the runs of every test. */
export const GateDetail = Gate.extend({
  evidence: GateEvidence,
  runs: z.array(z.object({
    app: z.string(), test: z.string(), status: GateStatus, runId: z.string().nullable(), metrics: Figures,
  })),
})
export type GateDetail = z.infer<typeof GateDetail>

/** An app the control plane knows from recorded gates and applied sites. */
export const AppSummary = z.object({
  name: z.string(),
  parent: z.string().nullable(),
  dependsOn: z.array(z.string()),
  /** Children in dependency order. */
  children: z.array(z.string()),
  file: z.string().nullable(),
  tests: z.array(z.object({
    name: z.string(), kind: z.string(), location: z.string(), targetId: z.string().nullable(),
  })),
  /** This app's status in the latest gate that covered it. */
  lastGate: z.object({
    gateId: z.string(), status: GateStatus, revision: z.string().nullable(), finishedAt: IsoTime,
  }).nullable(),
})
export type AppSummary = z.infer<typeof AppSummary>

export const GatesQuery = z.strictObject({
  /** Only gates that let a deploy through (pass or warn): the baselines. */
  passing: z.enum(['true', 'false']).optional(),
  /** Only gates of this app itself, not gates of an ancestor that covered it. */
  own: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
export type GatesQuery = z.input<typeof GatesQuery>

export const AppParams = z.strictObject({ name: Name })
export const AppRevisionParams = z.strictObject({ name: Name, sha: Revision })

/** `POST /api/admin/k6/targets/{id}/run`: when the run was asked for; the first run started after it answers. */
export const RunRequested = z.object({ targetId: z.string(), requestedAt: IsoTime })
export type RunRequested = z.infer<typeof RunRequested>

/** `GET /api/dashboard/apps/{name}/revisions/{sha}` */
export const AppRevisionQuery = z.strictObject({ passing: z.enum(['true', 'false']).optional() })
