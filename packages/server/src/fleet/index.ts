import { fileURLToPath } from 'node:url'
import { join, resolve } from 'node:path'
import type { FleetStatus } from '@loadfleet/api'
import type { FleetController } from './fleet-controller.js'
import { execCommand, type CommandRunner } from './command-runner.js'
import { ComposeScaler } from './compose-scaler.js'
import { SILENT_LOGGER, type FleetLogger, type FleetScaler } from './fleet-scaler.js'
import { KubernetesScaler } from './kubernetes-scaler.js'
import { NoneScaler } from './none-scaler.js'
import { ProcessScaler } from './process-scaler.js'
import { FleetReconciler } from './reconciler.js'

export type { FleetController } from './fleet-controller.js'
export type { FleetLogger, FleetScaler, ScaleReport } from './fleet-scaler.js'
export type { CommandRunner, CommandResult } from './command-runner.js'
export { FleetReconciler } from './reconciler.js'
export { ProcessScaler } from './process-scaler.js'
export { ComposeScaler } from './compose-scaler.js'
export { KubernetesScaler } from './kubernetes-scaler.js'
export { NO_SCALER_NOTE } from './none-scaler.js'

export type FleetScalerKind = FleetStatus['scaler']

/** What a fleet controller needs from the running control plane. */
export interface FleetDeps {
  scaler: FleetScalerKind
  /** Reads `k6DesiredAgentCount` from the store. */
  getDesiredCount (): Promise<number>
  /** Where spawned agents reach the control plane (DASHBOARD_URL). */
  serverUrl: string
  /** The agents' enrolment secret (DASHBOARD_SECRET). */
  agentToken: string
  env: Record<string, string | undefined>
  /** DATA_DIR; the process scaler keeps each agent's TMP_DIR and log under `<dataDir>/agents/<name>`. */
  dataDir?: string
  logger?: FleetLogger
  /** How an agent process is started; default `node <this repository's CLI> agent`. */
  agentCommand?: { command: string, args: string[] }
  /** Period of the background reconcile pass (default 3 s, FLEET_RECONCILE_INTERVAL_MS). */
  reconcileIntervalMs?: number
  /** Runs `docker compose` for the compose scaler (tests pass a fake Docker engine). */
  runCommand?: CommandRunner
  /** Whether this replica leads; only the leader scales (default: always). */
  isLeader?: () => boolean
}

// Every 3 s: a change made elsewhere (another replica, the database) is followed well within 5 s.
const RECONCILE_INTERVAL_MS = 3000
// This file sits in packages/server/{src,dist}/fleet/, the CLI launcher in packages/cli/bin/.
const CLI_BIN = fileURLToPath(new URL('../../../cli/bin/loadfleet.js', import.meta.url))

/** Builds the fleet controller for `deps.scaler`; its background passes start at once. */
export function createFleetController (deps: FleetDeps): FleetController {
  const logger = deps.logger ?? SILENT_LOGGER
  const interval = Number(deps.env.FLEET_RECONCILE_INTERVAL_MS)
  const fromEnv = Number.isInteger(interval) && interval >= 100 ? interval : undefined
  const reconciler = new FleetReconciler({
    kind: deps.scaler,
    scaler: scalerFor(deps, logger),
    getDesiredCount: () => deps.getDesiredCount(),
    intervalMs: deps.reconcileIntervalMs ?? fromEnv ?? RECONCILE_INTERVAL_MS,
    logger,
    ...(deps.isLeader === undefined ? {} : { isLeader: deps.isLeader }),
  })
  reconciler.start()
  return reconciler
}

function scalerFor (deps: FleetDeps, logger: FleetLogger): FleetScaler {
  const env = deps.env
  switch (deps.scaler) {
    case 'process': {
      const command = deps.agentCommand ?? { command: process.execPath, args: [CLI_BIN, 'agent'] }
      return new ProcessScaler({
        ...command,
        serverUrl: deps.serverUrl,
        agentToken: deps.agentToken,
        dataDir: resolve(deps.dataDir ?? env.DATA_DIR ?? './data'),
        env,
        logger,
      })
    }
    case 'compose':
      return new ComposeScaler({
        project: env.COMPOSE_PROJECT ?? 'loadfleet',
        file: env.COMPOSE_FILE ?? join('deploy', 'docker-compose.yml'),
        run: deps.runCommand ?? execCommand,
      })
    case 'kubernetes':
      return new KubernetesScaler({ env })
    case 'none':
      return new NoneScaler()
  }
}
