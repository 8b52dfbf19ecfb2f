import type { FastifyInstance } from 'fastify'
import { buildApp } from '@loadfleet/server'
import { ROUTES } from '@loadfleet/api'
import { openDatabase } from '../../src/db/database.js'
import { Store } from '../../src/db/store.js'
import { Auth, type AuthLimits } from '../../src/http/auth.js'
import { createMetrics } from '../../src/metrics.js'
import type { EgressPolicy } from '@loadfleet/core/egress'
import { createTestDatabase, type TestDatabase } from './databases.js'

export const ADMIN = 'admin:correct-horse-battery'
export const TOKEN = 'agent-token-0123456789'
export const adminHeader = `Basic ${Buffer.from(ADMIN).toString('base64')}`
export const agentHeader = `Bearer ${TOKEN}`

// Route-contract suites send many wrong credentials from one address on purpose; the limits have their own suite.
const UNLIMITED: AuthLimits = {
  perAddress: { maxFailures: Number.MAX_SAFE_INTEGER, windowMs: 1000 },
  perUser: { maxFailures: Number.MAX_SAFE_INTEGER, windowMs: 1000 },
}

export interface InjectApp {
  app: FastifyInstance
  store: Store
  dataDir: string
  /** The PostgreSQL database's URL; undefined for SQLite (the file is dataDir/loadfleet.db). */
  databaseUrl: string | undefined
  close (): Promise<void>
}

/** The real app and store without listening, for app.inject() route contracts. */
export async function createInjectApp (options: {
  kind?: 'sqlite' | 'postgres', dashboardRequireAuth?: boolean, webDist?: string
  authLimits?: Partial<AuthLimits>
  logStream?: NodeJS.WritableStream
  egress?: EgressPolicy
} = {}): Promise<InjectApp> {
  const db: TestDatabase = await createTestDatabase(options.kind ?? 'sqlite')
  const location = db.databaseUrl === undefined
    ? { kind: 'sqlite' as const, file: `${db.dataDir}/loadfleet.db` }
    : { kind: 'postgres' as const, url: db.databaseUrl }
  const store = new Store(await openDatabase(location))
  const metrics = createMetrics({
    agentsByStatus: () => store.repos.agents.countByStatus(),
    agentsDegraded: () => store.repos.agents.countDegraded(),
    runsRunning: () => store.repos.runs.countRunning(),
  })
  const app = await buildApp({
    deps: {
      store,
      metrics,
      auth: new Auth({
        adminBasicAuth: ADMIN, agentToken: TOKEN, limits: options.authLimits ?? UNLIMITED,
        onFailure: (reason) => { metrics.authFailures.inc({ reason }) },
      }),
      dashboardRequireAuth: options.dashboardRequireAuth ?? false, fleet: () => undefined, fleetScaler: 'none',
      ...(options.egress === undefined ? {} : { egress: options.egress }),
    },
    logLevel: options.logStream === undefined ? 'silent' : 'debug',
    webDist: options.webDist,
    ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
    version: 'test',
  })
  await app.ready()
  return {
    app,
    store,
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    async close () {
      await app.close()
      await store.close()
      await db.drop()
    },
  }
}

/** Registers `name` with the enrolment secret; answers the Authorization header of the credential it was issued. */
export async function enrolAgent (app: FastifyInstance, name: string): Promise<string> {
  const res = await app.inject({
    method: 'POST', url: ROUTES.agentRegister, payload: { name },
    headers: { 'content-type': 'application/json', authorization: agentHeader },
  })
  if (res.statusCode !== 200) throw new Error(`registering ${name} answered ${res.statusCode}: ${res.body}`)
  return `Bearer ${res.json<{ credential: string }>().credential}`
}

/** Row counts of every table, to prove a rejected request wrote nothing. */
export async function tableCounts (store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of [
    'targets', 'agents', 'runs', 'config', 'audit', 'agent_target_starts', 'run_histograms', 'target_baselines',
    'changes',
  ] as const) {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    counts[table] = Number(row.n)
  }
  return counts
}
