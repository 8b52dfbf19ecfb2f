import type { FastifyInstance } from 'fastify'
import { openDatabase } from './db/database.js'
import { Store } from './db/store.js'
import { buildApp } from './app.js'
import { Auth } from './http/auth.js'
import { WorkloadIdentity } from './http/workload-identity.js'
import { OidcClient } from './http/oidc.js'
import { createMetrics } from './metrics.js'
import { Reaper, type ReaperPassResult } from './reaper/reaper.js'
import { DistributedRuns } from './distributed/distributed-runs.js'
import { watchDistributedRuns } from './distributed/distributed-watch.js'
import { resolveSettings, type ServerOptions } from './settings.js'
import { loadOrCreateSecrets, type Secrets } from './secrets.js'
import { loadSecretBox } from './secret-box.js'
import { resealChannelSecrets } from './alerts/alerts-admin.js'
import { resealTargetSecrets } from './target-secret-headers.js'
import { findWebDist } from './http/web-static.js'
import { createFleetController, type FleetController } from './fleet/index.js'
import { SERVER_VERSION } from './version.js'
import { prettyDestination, type LogDestination } from './log-format.js'
import type { LogFormat } from './settings.js'
import { Alerting, type AlertingPassResult } from './alerts/alerting.js'
import { AlertsRepo } from './alerts/alerts-repo.js'
import { LeaseLeadership, SoleLeadership, type Leadership } from './leadership/leadership.js'

export interface RunningServer {
  /** Base URL clients use, e.g. http://127.0.0.1:3000. */
  url: string
  /** `user:password` for admin routes. */
  adminAuth: string
  /** The agents' enrolment secret (DASHBOARD_SECRET), the bearer token of agent registration. */
  agentToken: string
  /** Secrets generated at this start; the CLI prints these once. */
  generatedSecrets: Secrets['generated']
  /** Where secrets.json and (for SQLite) the database live. */
  dataDir: string
  /** Which store is in use. */
  database: 'sqlite' | 'postgres'
  /** Runs one reaper pass now (tests and operators); periodic passes continue regardless. */
  reapNow (): Promise<ReaperPassResult>
  /** Runs one alerting pass now (evaluate, queue, deliver); periodic passes continue regardless. */
  alertNow (): Promise<AlertingPassResult>
  /** Whether this replica leads: runs the reaper, fleet reconciler and alerting (always, on SQLite). */
  isLeader (): boolean
  /** Stops the fleet controller and the reaper, drains HTTP and closes the database. */
  close (): Promise<void>
}

function urlOf (host: string, port: number): string {
  // A wildcard address is where we listen, not where clients (and spawned agents) connect.
  const connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`
}

/** pino's JSON as it is, or readable lines; to `destination` or stdout. */
function logDestinationOf (format: LogFormat, destination: LogDestination | undefined):
{ logStream?: LogDestination } {
  if (format === 'json') return destination === undefined ? {} : { logStream: destination }
  return { logStream: prettyDestination(destination ?? process.stdout) }
}

/** Starts the control plane: migrations, HTTP API, dashboard, reaper and fleet controller. */
export async function startServer (options: ServerOptions = {}): Promise<RunningServer> {
  const settings = resolveSettings(options)
  const secrets = loadOrCreateSecrets({
    dataDir: settings.dataDir, adminBasicAuth: settings.adminBasicAuth, dashboardSecret: settings.dashboardSecret,
  })
  const secretBox = loadSecretBox(settings.env, settings.dataDir)
  const store = new Store(await openDatabase(settings.database), { secrets: secretBox })
  let fleet: FleetController | undefined
  let app: FastifyInstance | undefined
  let alerting: Alerting | undefined
  let leadership: Leadership | undefined
  try {
    const metrics = createMetrics({
      agentsByStatus: () => store.repos.agents.countByStatus(),
      agentsDegraded: () => store.repos.agents.countDegraded(),
      runsRunning: () => store.repos.runs.countRunning(),
      leader: () => leadership?.isLeader() === true,
      sites: async () => ({
        ...(await store.sitesMetricsData()), alerts: await new AlertsRepo(store.db, store.secrets).openAlertStates(),
      }),
    })
    app = await buildApp({
      deps: {
        store,
        metrics,
        auth: new Auth({
          adminBasicAuth: secrets.adminBasicAuth, agentToken: secrets.dashboardSecret,
          onFailure: (reason) => { metrics.authFailures.inc({ reason }) },
          workloadIdentity: new WorkloadIdentity(settings.trustRules),
        }),
        dashboardRequireAuth: settings.dashboardRequireAuth,
        oidc: settings.oidc === undefined ? undefined : new OidcClient(settings.oidc),
        fleet: () => fleet, fleetScaler: settings.fleetScaler,
        egress: settings.egress,
        alerting: () => alerting,
      },
      logLevel: settings.logLevel,
      ...logDestinationOf(settings.logFormat, options.logDestination),
      webDist: findWebDist(settings.env.WEB_DIST_DIR),
      version: SERVER_VERSION,
    })
    const sealing = await resealChannelSecrets(store)
    if (sealing.resealed > 0) {
      app.log.info({ channels: sealing.resealed, keyId: secretBox.keyId }, 'alert channel secrets sealed with the current key')
    }
    if (sealing.unreadable > 0) {
      app.log.warn({ channels: sealing.unreadable }, 'alert channels sealed with a key this control plane does not have: ' +
        'their notifications fail until LOADFLEET_SECRET_KEY or LOADFLEET_SECRET_KEYS_PREVIOUS holds it')
    }
    const targetSealing = await resealTargetSecrets(store)
    if (targetSealing.resealed > 0) {
      app.log.info({ targets: targetSealing.resealed, keyId: secretBox.keyId }, 'target secret headers sealed with the current key')
    }
    if (targetSealing.unreadable > 0) {
      app.log.warn({ targets: targetSealing.unreadable }, 'target secret headers sealed with a key this control plane ' +
        'does not have: their runs end as errors until LOADFLEET_SECRET_KEY or LOADFLEET_SECRET_KEYS_PREVIOUS holds it')
    }
    await app.listen({ port: settings.port, host: settings.host })
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : settings.port
    const url = urlOf(settings.host, port)
    // The singletons below act only on the leader: one replica of several on PostgreSQL, the process on SQLite.
    const log = app.log
    const lead: Leadership = store.dialect === 'postgres'
      ? new LeaseLeadership({ db: store.db, log, options: { leaseMs: settings.leaderLeaseMs } })
      : new SoleLeadership()
    leadership = lead
    await lead.start()
    const reaper = new Reaper({ store, metrics, log, options: settings.reaper, leadership: lead })
    reaper.start()
    const distributedWatch = watchDistributedRuns(new DistributedRuns(store), app.log)
    alerting = new Alerting({
      store, log, externalUrl: settings.alerting.externalUrl ?? url, options: settings.alerting, leadership: lead,
    })
    alerting.start()
    const runningAlerting = alerting
    fleet = createFleetController({
      scaler: settings.fleetScaler,
      getDesiredCount: async () => (await store.repos.config.get()).k6DesiredAgentCount,
      serverUrl: url,
      agentToken: secrets.dashboardSecret,
      env: settings.env,
      dataDir: settings.dataDir,
      logger: app.log,
      isLeader: () => lead.isLeader(),
    })
    await fleet.reconcileNow().catch((err: unknown) => { app?.log.error({ err }, 'first fleet reconcile failed') })
    const running = app
    let closing: Promise<void> | undefined
    return {
      url,
      adminAuth: secrets.adminBasicAuth,
      agentToken: secrets.dashboardSecret,
      generatedSecrets: secrets.generated,
      dataDir: settings.dataDir,
      database: store.dialect,
      reapNow: () => reaper.runOnce(),
      alertNow: () => runningAlerting.runOnce(),
      isLeader: () => lead.isLeader(),
      close: () => {
        closing ??= (async () => {
          await fleet?.stop()
          await reaper.stop()
          await distributedWatch.stop()
          await runningAlerting.stop()
          // Released only once the singletons have stopped, so the next leader never overlaps them.
          await lead.stop()
          await running.close()
          await store.close()
        })()
        return closing
      },
    }
  } catch (err) {
    await alerting?.stop()
    await fleet?.stop()
    await leadership?.stop()
    await app?.close()
    await store.close()
    throw err
  }
}
