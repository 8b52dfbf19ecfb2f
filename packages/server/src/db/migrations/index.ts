import type { Kysely, Migration, MigrationProvider } from 'kysely'
import { initialMigration } from './0001-initial.js'
import { targetCountersMigration } from './0002-target-counters.js'
import { verdictsBaselinesMigration } from './0003-verdicts-baselines.js'
import { agentHealthMigration } from './0004-agent-health.js'
import { alertsMigration } from './0005-alerts.js'
import { oneOpenChangeMigration } from './0006-one-open-change.js'
import { agentCredentialsMigration } from './0007-agent-credentials.js'
import { targetHeadersMigration } from './0008-target-headers.js'
import { apiTokensMigration } from './0009-api-tokens.js'
import { changeLastSeenMigration } from './0010-change-last-seen.js'
import { targetScriptMigration } from './0011-target-script.js'
import { auditAddressMigration } from './0012-audit-address.js'
import { leaderLeaseMigration } from './0013-leader-lease.js'
import { appGatesMigration } from './0014-app-gates.js'
import { usersSessionsMigration } from './0015-users-sessions.js'
import { distributedRunsMigration } from './0016-distributed-runs.js'
import { browserSitesMigration } from './0017-browser-sites.js'

export type DialectName = 'sqlite' | 'postgres'

/** Every migration, in order, defined in code so the shipped package needs no migration files on disk. */
export function migrationProvider (dialect: DialectName): MigrationProvider {
  return {
    getMigrations (): Promise<Record<string, Migration>> {
      return Promise.resolve({
        '0001-initial': { up: (db: Kysely<unknown>) => initialMigration(db, dialect) },
        '0002-target-counters': { up: (db: Kysely<unknown>) => targetCountersMigration(db) },
        '0003-verdicts-baselines': { up: (db: Kysely<unknown>) => verdictsBaselinesMigration(db) },
        '0004-agent-health': { up: (db: Kysely<unknown>) => agentHealthMigration(db) },
        '0005-alerts': { up: (db: Kysely<unknown>) => alertsMigration(db) },
        '0006-one-open-change': { up: (db: Kysely<unknown>) => oneOpenChangeMigration(db) },
        '0007-agent-credentials': { up: (db: Kysely<unknown>) => agentCredentialsMigration(db) },
        '0008-target-headers': { up: (db: Kysely<unknown>) => targetHeadersMigration(db) },
        '0009-api-tokens': { up: (db: Kysely<unknown>) => apiTokensMigration(db) },
        '0010-change-last-seen': { up: (db: Kysely<unknown>) => changeLastSeenMigration(db) },
        '0011-target-script': { up: (db: Kysely<unknown>) => targetScriptMigration(db) },
        '0012-audit-address': { up: (db: Kysely<unknown>) => auditAddressMigration(db) },
        '0013-leader-lease': { up: (db: Kysely<unknown>) => leaderLeaseMigration(db) },
        '0014-app-gates': { up: (db: Kysely<unknown>) => appGatesMigration(db) },
        '0015-users-sessions': { up: (db: Kysely<unknown>) => usersSessionsMigration(db) },
        '0016-distributed-runs': { up: (db: Kysely<unknown>) => distributedRunsMigration(db) },
        '0017-browser-sites': { up: (db: Kysely<unknown>) => browserSitesMigration(db) },
      })
    },
  }
}
