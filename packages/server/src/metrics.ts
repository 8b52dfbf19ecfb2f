import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { registerSiteMetrics, type SitesData } from './site-metrics.js'

export interface Metrics {
  registry: Registry
  reaperRunsErrored: Counter
  reaperAgentsMarkedOffline: Counter
  reaperAgentsDeleted: Counter
  agentDeadLetters: Counter
  httpDuration: Histogram<'method' | 'route' | 'status_code'>
  authFailures: Counter<'reason'>
}

// Buckets around the 25 ms latency goal of the API, up to the slow tail worth seeing.
const HTTP_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** One registry per server instance, so several servers in one process (tests) never share counters. */
export function createMetrics (gauges: {
  agentsByStatus: () => Promise<Record<string, number>>
  /** Reporting agents that say they cannot take work. */
  agentsDegraded: () => Promise<number>
  runsRunning: () => Promise<number>
  /** Whether this replica holds the leader lease (always, on SQLite). */
  leader?: () => boolean
  /** The per-site series' data; without it (route tests) only the process and API series are exposed. */
  sites?: () => Promise<SitesData>
}): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // These gauges end in _total, which Prometheus reserves for counters; `promtool check metrics` rejects them.
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name)
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] })
  new Gauge({
    name: 'loadfleet_agents',
    help: 'Agents known to the control plane, by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect () {
      const counts = await gauges.agentsByStatus()
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n)
    },
  })
  new Gauge({
    name: 'loadfleet_agents_degraded',
    help: 'Online or busy agents that start no run because they cannot record one (e.g. a full TMP_DIR).',
    registers: [registry],
    async collect () { this.set(await gauges.agentsDegraded()) },
  })
  new Gauge({
    name: 'loadfleet_runs_running',
    help: 'Runs started and not yet finished.',
    registers: [registry],
    async collect () { this.set(await gauges.runsRunning()) },
  })
  const leader = gauges.leader
  if (leader !== undefined) {
    new Gauge({
      name: 'loadfleet_leader',
      help: 'Whether this control-plane replica leads (1): runs the reaper, fleet reconciler and alerting.',
      registers: [registry],
      collect () { this.set(leader() ? 1 : 0) },
    })
  }
  if (gauges.sites !== undefined) registerSiteMetrics(registry, gauges.sites)
  return {
    registry,
    reaperRunsErrored: counter('reaper_k6runs_errored_total', 'Runs the reaper set to error because their agent stopped reporting.'),
    reaperAgentsMarkedOffline: counter('reaper_k6agents_marked_offline_total', 'Agents the reaper marked offline.'),
    reaperAgentsDeleted: counter('reaper_k6agents_deleted_total', 'Offline agents the reaper deleted (their runs are kept).'),
    agentDeadLetters: counter('loadfleet_agent_results_dead_lettered_total',
      'Results agents gave up delivering (refused with a 4xx, or failing past their retry bound), from their heartbeats.'),
    authFailures: new Counter({
      name: 'loadfleet_auth_failures_total',
      help: 'Failed authentications by reason (missing, malformed, wrong_credentials, rate_limited, forbidden).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'loadfleet_http_request_duration_seconds',
      help: 'API request latency by route.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS_S,
      registers: [registry],
    }),
  }
}
