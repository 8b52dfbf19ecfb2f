import { Counter, Gauge, type Registry } from 'prom-client'
import type { SiteSnapshot } from './db/repos/site-metrics-repo.js'
import { ERROR_KINDS, RESULT_STATUSES, STATUS_CLASSES } from './db/repos/target-counters-repo.js'

/** Everything the per-site series are made of, read from the store in a couple of queries. */
export interface SitesData {
  sites: SiteSnapshot[]
  /** Running totals per target id: `status_2xx`, `error_timeout`, `runs_failed`, … */
  counters: Map<string, Map<string, number>>
  /** Every metric the detector judges, and per target id the ones with an open (not accepted) change. */
  regressions?: { metrics: readonly string[], open: Map<string, Set<string>> }
  /** Open alerts (pending or firing) of the control plane's own alert rules. */
  alerts?: Array<{ targetId: string, alertname: string, severity: string, state: 'pending' | 'firing' }>
}

// One scrape reads every per-site metric; they share one read of the store. Kept this long so that several
// scrapers (or a scrape racing a dashboard refresh) do not each query the store, short enough to stay current.
const SITES_CACHE_MS = 2000

/** Coalesces concurrent loads and reuses the last one briefly. */
function cached (load: () => Promise<SitesData>): () => Promise<SitesData> {
  let last: { at: number, data: Promise<SitesData> } | undefined
  return () => {
    if (last !== undefined && Date.now() - last.at < SITES_CACHE_MS) return last.data
    const data = load()
    const entry = { at: Date.now(), data }
    last = entry
    // A failed read is not cached: the next scrape tries again.
    data.catch(() => { if (last === entry) last = undefined })
    return data
  }
}

type SiteLabels = { site_id: string, site: string }
const SITE_LABELS = ['site_id', 'site'] as const

function labelsOf (site: SiteSnapshot): SiteLabels {
  // The site's id and name only: never its URL, whose query string may carry anything. The name is the one the
  // control plane's own alerts carry, so the two can be joined on (site_id, site).
  return { site_id: site.id, site: site.name }
}

/** Registers the per-site series; each is filled on scrape from one shared read of the store. */
export function registerSiteMetrics (registry: Registry, load: () => Promise<SitesData>): void {
  const read = cached(load)
  const gauge = <L extends string>(name: string, help: string, extra: readonly L[],
    fill: (g: Gauge<L | keyof SiteLabels>, site: SiteSnapshot, labels: SiteLabels, data: SitesData) => void) =>
    new Gauge({
      name, help, labelNames: [...SITE_LABELS, ...extra], registers: [registry],
      async collect () {
        const data = await read()
        this.reset()
        for (const site of data.sites) fill(this, site, labelsOf(site), data)
      },
    })
  const counter = <L extends string>(name: string, help: string, label: L, values: readonly string[],
    prefix: string) => new Counter({
    name, help, labelNames: [...SITE_LABELS, label], registers: [registry],
    async collect () {
      const { sites, counters } = await read()
      this.reset()
      for (const site of sites) {
        const mine = counters.get(site.id)
        // Every known value starts at 0, so rate() sees the first increment; others appear when they occur.
        const names = new Set([...values, ...[...mine?.keys() ?? []]
          .filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))])
        for (const value of names) {
          this.inc({ ...labelsOf(site), [label]: value } as Record<L | keyof SiteLabels, string>,
            mine?.get(`${prefix}${value}`) ?? 0)
        }
      }
    },
  })
  const setIf = (g: Gauge<string>, labels: Record<string, string>, value: number | null | undefined) => {
    if (value !== null && value !== undefined && Number.isFinite(value)) g.set(labels, value)
  }

  gauge('loadfleet_site_enabled', 'Whether the site is scheduled (1) or paused (0).', [],
    (g, site, labels) => { g.set(labels, site.enabled ? 1 : 0) })
  gauge('loadfleet_site_run_interval_seconds', 'How often the site is meant to be run.', [],
    (g, site, labels) => { g.set(labels, site.runIntervalMs / 1000) })
  gauge('loadfleet_site_created_timestamp_seconds', 'When the site was added (Unix time).', [],
    (g, site, labels) => { g.set(labels, site.createdAt / 1000) })
  gauge('loadfleet_site_updated_timestamp_seconds',
    'When the site\'s settings last changed, e.g. it was re-enabled (Unix time); its creation when never edited.', [],
    (g, site, labels) => { g.set(labels, site.updatedAt / 1000) })
  gauge('loadfleet_site_last_run_start_timestamp_seconds',
    'When the newest run of the site started, whatever its status (Unix time); absent before the first run.', [],
    (g, site, labels) => { setIf(g, labels, site.lastStartedAt === null ? null : site.lastStartedAt / 1000) })
  gauge('loadfleet_site_last_run_finish_timestamp_seconds',
    'When the newest finished run of the site finished (Unix time).', [],
    (g, site, labels) => {
      const finishedAt = site.lastFinished?.finishedAt
      setIf(g, labels, finishedAt === null || finishedAt === undefined ? null : finishedAt / 1000)
    })
  gauge('loadfleet_site_last_run_latency_seconds',
    'Request latency percentiles (p50, p95, p99) of the newest finished run; absent when it measured none.',
    // `percentile`, not `quantile`: Prometheus reserves that label for summaries (`promtool check metrics`).
    ['percentile'], (g, site, labels) => {
      const last = site.lastFinished
      if (last === null) return
      for (const [percentile, ms] of [['p50', last.p50Ms], ['p95', last.p95Ms], ['p99', last.p99Ms]] as const) {
        setIf(g, { ...labels, percentile }, ms === null ? null : ms / 1000)
      }
    })
  gauge('loadfleet_site_last_run_error_ratio', 'Share of failed requests (0–1) in the newest finished run.', [],
    (g, site, labels) => { setIf(g, labels, site.lastFinished?.errorRate) })
  gauge('loadfleet_site_last_run_requests_per_second', 'Request throughput of the newest finished run.', [],
    (g, site, labels) => { setIf(g, labels, site.lastFinished?.rps) })
  gauge('loadfleet_site_last_run_status',
    'Verdict of the newest finished run: 1 for its status (passed, failed or error), 0 for the others.', ['status'],
    (g, site, labels) => {
      if (site.lastFinished === null) return
      for (const status of RESULT_STATUSES) g.set({ ...labels, status }, site.lastFinished.status === status ? 1 : 0)
    })
  gauge('loadfleet_site_recent_runs',
    'How many of the site\'s last 3 finished runs ended with each status.', ['status'],
    (g, site, labels) => {
      for (const status of RESULT_STATUSES) {
        g.set({ ...labels, status }, site.recentStatuses.filter((s) => s === status).length)
      }
    })
  gauge('loadfleet_site_regression',
    'Whether the detector holds an open regression on the metric (1) or not (0); an accepted change is 0.', ['metric'],
    (g, site, labels, { regressions }) => {
      if (regressions === undefined) return
      const open = regressions.open.get(site.id)
      for (const metric of regressions.metrics) g.set({ ...labels, metric }, open?.has(metric) === true ? 1 : 0)
    })
  gauge('loadfleet_site_alerts',
    'Open alerts of the control plane\'s own rules on the site, by rule name, severity and state (pending or firing).',
    ['alertname', 'severity', 'alertstate'], (g, site, labels, { alerts }) => {
      for (const alert of alerts ?? []) {
        if (alert.targetId !== site.id) continue
        g.inc({ ...labels, alertname: alert.alertname, severity: alert.severity, alertstate: alert.state })
      }
    })
  new Gauge({
    name: 'loadfleet_sites_due',
    help: 'Enabled sites whose run interval has elapsed since their newest run started (or that never ran): ' +
      'work waiting for an agent. With loadfleet_runs_running, what an autoscaler (KEDA) sizes the fleet on.',
    registers: [registry],
    async collect () {
      const { sites } = await read()
      this.set(sitesDue(sites, Date.now()))
    },
  })
  counter('loadfleet_site_responses_total', 'HTTP responses received from the site, by status class.',
    'status_class', STATUS_CLASSES, 'status_')
  counter('loadfleet_site_request_errors_total',
    'Requests to the site that got no HTTP response, by kind (timeout, refused, reset, dns, tls, other).',
    'kind', ERROR_KINDS, 'error_')
  counter('loadfleet_site_runs_total', 'Run results agents reported for the site, by status.',
    'status', RESULT_STATUSES, 'runs_')
}

/** The agents' own rule (agent `dueTargets`): enabled, and never started or started at least an interval ago. */
export function sitesDue (sites: readonly SiteSnapshot[], now: number): number {
  return sites.filter((site) =>
    site.enabled && (site.lastStartedAt === null || site.lastStartedAt + site.runIntervalMs <= now)).length
}
