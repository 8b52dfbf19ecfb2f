/** Every path of the v1 API, in one place so server, agent, CLI and dashboard cannot drift apart. */
export const ROUTES = {
  // Admin: HTTP basic auth (ADMIN_BASIC_AUTH, the break-glass admin) or `Bearer lf_…` API tokens by role.
  adminTargets: '/api/admin/k6/targets',
  adminTarget: (id: string) => `/api/admin/k6/targets/${encodeURIComponent(id)}`,
  adminTargetBaseline: (id: string) => `/api/admin/k6/targets/${encodeURIComponent(id)}/baseline`,
  adminTargetChangeAccept: (id: string, changeId: string) =>
    `/api/admin/k6/targets/${encodeURIComponent(id)}/changes/${encodeURIComponent(changeId)}/accept`,
  adminConfig: '/api/admin/config',
  adminAudit: '/api/admin/audit',
  /** The audit trail (with the same filters) as JSON lines, oldest first. */
  adminAuditExport: '/api/admin/audit/export',
  /** Managed sites from App manifests, all at once (`loadfleet apply`). */
  adminApply: '/api/admin/apply',
  adminFleetReconcile: '/api/admin/fleet/reconcile',
  /** Gates recorded by `loadfleet gate`: their evidence, by app and revision. */
  adminGates: '/api/admin/gates',
  /** Run a site now (a gate on the fleet), whatever its schedule. */
  adminTargetRun: (id: string) => `/api/admin/k6/targets/${encodeURIComponent(id)}/run`,
  adminAlertChannels: '/api/admin/alerts/channels',
  adminAlertChannel: (id: string) => `/api/admin/alerts/channels/${encodeURIComponent(id)}`,
  adminAlertChannelTest: (id: string) => `/api/admin/alerts/channels/${encodeURIComponent(id)}/test`,
  adminAlertRules: '/api/admin/alerts/rules',
  adminAlertRule: (id: string) => `/api/admin/alerts/rules/${encodeURIComponent(id)}`,
  adminSilences: '/api/admin/alerts/silences',
  adminSilence: (id: string) => `/api/admin/alerts/silences/${encodeURIComponent(id)}`,
  /** One test run by several agents at once, each a segment of it, merged into one result. */
  adminDistributedRuns: '/api/admin/k6/distributed-runs',
  adminTokens: '/api/admin/tokens',
  adminToken: (id: string) => `/api/admin/tokens/${encodeURIComponent(id)}`,
  adminBrowserSites: '/api/admin/browser/sites',
  adminBrowserSite: (id: string) => `/api/admin/browser/sites/${encodeURIComponent(id)}`,
  // Dashboard: read-only, open unless DASHBOARD_REQUIRE_AUTH is set (then the admin or a token of any role).
  dashboardTargets: '/api/dashboard/k6/targets',
  dashboardTargetSeries: (id: string) => `/api/dashboard/k6/targets/${encodeURIComponent(id)}/series`,
  dashboardTargetChanges: (id: string) => `/api/dashboard/k6/targets/${encodeURIComponent(id)}/changes`,
  dashboardTargetBaseline: (id: string) => `/api/dashboard/k6/targets/${encodeURIComponent(id)}/baseline`,
  dashboardAgents: '/api/dashboard/k6/agents',
  /** Firing, pending and recently resolved alerts. */
  dashboardAlerts: '/api/dashboard/alerts',
  dashboardFleet: '/api/dashboard/k6/fleet',
  dashboardRuns: '/api/dashboard/k6/runs',
  dashboardDistributedRun: (id: string) => `/api/dashboard/k6/distributed-runs/${encodeURIComponent(id)}`,
  dashboardRun: (id: string) => `/api/dashboard/k6/runs/${encodeURIComponent(id)}`,
  /** The run's summary in k6's `--summary-export` format, for tools built for k6. */
  dashboardRunSummaryExport: (id: string) => `/api/dashboard/k6/runs/${encodeURIComponent(id)}/summary-export`,
  dashboardApps: '/api/dashboard/apps',
  dashboardApp: (name: string) => `/api/dashboard/apps/${encodeURIComponent(name)}`,
  dashboardAppGates: (name: string) => `/api/dashboard/apps/${encodeURIComponent(name)}/gates`,
  dashboardAppRevision: (name: string, sha: string) =>
    `/api/dashboard/apps/${encodeURIComponent(name)}/revisions/${encodeURIComponent(sha)}`,
  /** The gate's evidence file as recorded, so its SHA-256 is the one the CLI printed. */
  dashboardAppRevisionEvidence: (name: string, sha: string) =>
    `/api/dashboard/apps/${encodeURIComponent(name)}/revisions/${encodeURIComponent(sha)}/evidence`,
  dashboardBrowserSites: '/api/dashboard/browser/sites',
  dashboardBrowserRuns: '/api/dashboard/browser/runs',
  dashboardBrowserRun: (id: string) => `/api/dashboard/browser/runs/${encodeURIComponent(id)}`,
  /** The check's screenshot (PNG or JPEG), taken when it failed or when the site asks for one every time. */
  dashboardBrowserRunScreenshot: (id: string) => `/api/dashboard/browser/runs/${encodeURIComponent(id)}/screenshot`,
  // Agents: register takes bearer DASHBOARD_SECRET, every other route the agent's own credential it answered.
  agentRegister: '/api/k6/agents/register',
  agentHeartbeat: (name: string) => `/api/k6/agents/${encodeURIComponent(name)}/heartbeat`,
  agentLeave: (name: string) => `/api/k6/agents/${encodeURIComponent(name)}/leave`,
  agentTargets: (name: string) => `/api/k6/agents/${encodeURIComponent(name)}/targets`,
  agentRunStart: (name: string) => `/api/k6/agents/${encodeURIComponent(name)}/runs`,
  agentRunFinish: (name: string, runId: string) =>
    `/api/k6/agents/${encodeURIComponent(name)}/runs/${encodeURIComponent(runId)}/finish`,
  // Single sign-on (public): who is signed in, start a sign-in at the provider, its callback, sign out.
  authMe: '/api/auth/me',
  authLogin: '/api/auth/login',
  authCallback: '/api/auth/callback',
  authLogout: '/api/auth/logout',
  agentPartClaim: (name: string) => `/api/k6/agents/${encodeURIComponent(name)}/parts/claim`,
  agentPart: (name: string, runId: string, index = 0) =>
    `/api/k6/agents/${encodeURIComponent(name)}/parts/${encodeURIComponent(runId)}/${index}`,
  agentPartAccept: (name: string, runId: string, index = 0) =>
    `/api/k6/agents/${encodeURIComponent(name)}/parts/${encodeURIComponent(runId)}/${index}/accept`,
  agentPartFinish: (name: string, runId: string, index = 0) =>
    `/api/k6/agents/${encodeURIComponent(name)}/parts/${encodeURIComponent(runId)}/${index}/finish`,
  // Browser agents register, heartbeat and leave on the agent routes above; their sites and runs are here.
  agentBrowserSites: (name: string) => `/api/browser/agents/${encodeURIComponent(name)}/sites`,
  agentBrowserRunStart: (name: string) => `/api/browser/agents/${encodeURIComponent(name)}/runs`,
  agentBrowserRunFinish: (name: string, runId: string) =>
    `/api/browser/agents/${encodeURIComponent(name)}/runs/${encodeURIComponent(runId)}/finish`,
  // Operations.
  metrics: '/api/metrics',
  healthz: '/healthz',
  readyz: '/readyz',
  docs: '/api/docs',
} as const
