import type { AgentBrowserSite, AgentTarget, ApiClient, BrowserRunFinish } from '@loadfleet/api/client'
import { readCheckOptions } from '@loadfleet/core/base'
// The worker entry only: playwright-core (about 90 MB) loads in the check's own process, never in the agent.
import { runCheckInWorker } from '@loadfleet/browser/run-in-worker'
import type { RunReporter } from './deliverer.js'

/** A browser site in the shape the agent's scheduler takes, with its check. */
export interface ScheduledSite extends AgentTarget {
  check: Record<string, unknown>
}

/** A browser agent reports on the browser agents' routes; a run's target is the site. */
export const BROWSER_REPORTER: RunReporter = {
  start: (client, agentName, start) => client.startBrowserRun(agentName, {
    id: start.id, siteId: start.targetId, ...(start.startedAt === undefined ? {} : { startedAt: start.startedAt }),
  }),
  finish: (client, agentName, runId, finish) => client.finishBrowserRun(agentName, runId, finish),
}

/**
 * The browser sites, as targets the agent's scheduler runs on their interval (one check each time); the check's
 * timeout stands in for a load test's duration.
 */
export async function pollBrowserSites (client: ApiClient, agentName: string): Promise<{ data: ScheduledSite[] }> {
  const { data } = await client.agentBrowserSites(agentName)
  return { data: data.map(scheduledSiteOf) }
}

function scheduledSiteOf (site: AgentBrowserSite): ScheduledSite {
  const timeoutMs = readCheckOptions(site.check).value?.timeoutMs ?? 30_000
  return {
    id: site.id, url: site.url, label: site.label, vus: 1, durationS: Math.ceil(timeoutMs / 1000),
    runIntervalMs: site.runIntervalMs, enabled: site.enabled, thresholds: {}, expectedStatuses: ['200-399'],
    createdAt: site.createdAt, updatedAt: site.updatedAt, lastStartedAt: site.lastStartedAt, check: site.check,
  }
}

/**
 * Checks a site in a fresh Chromium, in a worker process that exits afterwards (so the agent holds neither
 * playwright-core nor a browser between checks), and answers the report: the figures, and a JPEG screenshot when
 * the check failed or the site asks for one every time.
 */
export async function executeBrowserCheck (site: AgentTarget & { check?: unknown }, options: {
  signal: AbortSignal, chromiumPath?: string | undefined
}): Promise<BrowserRunFinish> {
  const { value: checkOptions, problems } = readCheckOptions(site.check ?? {})
  if (checkOptions === undefined) {
    const why = problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')
    return { status: 'error', finishedAt: new Date().toISOString(), errorMessage: `the site's check is invalid: ${why}`.slice(0, 4000) }
  }
  const { result, screenshot } = await runCheckInWorker({ ...checkOptions, url: site.url }, {
    signal: options.signal, chromiumPath: options.chromiumPath, screenshotFormat: 'jpeg',
  })
  return {
    status: result.status, finishedAt: new Date().toISOString(), errorMessage: result.reason?.slice(0, 4000) ?? null,
    // The wire schema reads the figures loosely (agents may be newer than the control plane); same data.
    result: result as unknown as NonNullable<BrowserRunFinish['result']>, screenshot,
  }
}
