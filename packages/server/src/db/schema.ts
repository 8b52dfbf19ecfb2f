import type { Generated } from 'kysely'

// Times are epoch milliseconds in the store (ISO-8601 only on the wire), so both dialects sort and compare them
// as plain integers. Booleans are 0/1 integers because SQLite has no boolean type.

export interface TargetRow {
  id: string
  url: string
  label: string
  vus: number
  duration_s: number
  run_interval_ms: number
  enabled: number
  /** The site's own k6 thresholds, `{ metric: [expression] }` as JSON. */
  thresholds_json: string
  /** `[200, "200-299"]` as JSON. */
  expected_statuses_json: string
  created_at: number
  updated_at: number
  /** JSON object of the site's labels (rule selectors, silences). */
  labels_json: string
  /** JSON object of the plain request headers. */
  headers_json: string
  /** JSON `{ name: { value, changedAt } }` of the secret headers; each value sealed (see secret-box.ts). */
  secret_headers_json: string
  /** The site's k6 script; null for a plain URL site. */
  script: string | null
  /** When a run of the site was last asked for (a gate on the fleet); agents run it once after this. */
  run_requested_at: number | null
}

export interface AgentRow {
  name: string
  status: 'online' | 'busy' | 'offline'
  current_run_id: string | null
  version: string
  registered_at: number
  last_seen_at: number
  /** The heartbeat period the agent declared at registration; null for agents that did not (the default applies). */
  heartbeat_interval_ms: number | null
  /** Results this agent process gave up delivering, as its last heartbeat reported. */
  dead_letters: Generated<number>
  /** Why the agent cannot take work right now (e.g. its TMP_DIR is full); null when healthy. */
  degraded_reason: string | null
  /** SHA-256 (hex) of the credential issued at the agent's last registration; null before its first one. */
  credential_hash: string | null
}

export interface RunRow {
  id: string
  target_id: string
  agent_name: string
  status: 'running' | 'passed' | 'failed' | 'error' | 'aborted'
  /** The target's durationS when the run started: the reaper's deadline must not move when the target is edited. */
  duration_s: number
  started_at: number
  finished_at: number | null
  error_message: string | null
  p50_ms: number | null
  p95_ms: number | null
  p99_ms: number | null
  avg_ms: number | null
  error_rate: number | null
  rps: number | null
  data_received_bytes: number | null
  iterations: number | null
  summary_json: string | null
  /** Hash of the reported result, so a repeated finish is recognised as the same one. */
  result_hash: string | null
  /** Set when the reaper, not the agent, ended the run; a late real result may then replace it. */
  reaped_at: number | null
  /** Why the control plane judged the run `failed` (or why it is `error`), in words. */
  failure_reason: string | null
  /** The RunVerdict as JSON: each threshold with its observed value. */
  verdict_json: string | null
  requests: number | null
  failed_requests: number | null
  /** Responses per status code and transport failures per kind, as JSON, for the change detector. */
  status_counts_json: string | null
  error_kinds_json: string | null
}

export interface RunHistogramRow {
  run_id: string
  /** The metric, e.g. http_req_duration. */
  metric: string
  /** A compressed HdrHistogram (base64, µs), as the engine encodes it. */
  histogram: string
}

export interface TargetBaselineRow {
  target_id: string
  /** Pinned runs as a JSON array, or null. */
  run_ids_json: string | null
  /** Pinned time range, or null. */
  from_ms: number | null
  to_ms: number | null
  /** The last accepted change: the rolling baseline starts after it. */
  accepted_at: number | null
  updated_at: number
}

export interface ChangeRow {
  id: string
  target_id: string
  metric: string
  direction: 'increase' | 'decrease'
  state: 'open' | 'resolved' | 'accepted'
  started_run_id: string
  started_at: number
  detected_at: number
  detected_run_id: string
  resolved_at: number | null
  accepted_at: number | null
  /** The detector's DetectedChange as JSON. */
  details_json: string
  /** The newest run at which the detector still saw it (null: rows from before this was kept; see detected_run_id). */
  last_seen_run_id: string | null
}

export interface AgentTargetStartRow {
  agent_name: string
  target_id: string
  last_started_at: number
}

export interface ConfigRow {
  key: string
  value: string
}

/** An API token: its SHA-256 (hex), never the token. Times are epoch ms. */
export interface ApiTokenRow {
  id: string
  name: string
  role: 'viewer' | 'editor' | 'admin'
  token_hash: string
  created_at: number
  created_by: string
  expires_at: number | null
  last_used_at: number | null
}

export interface AuditRow {
  id: Generated<number>
  at: number
  actor: string
  action: string
  entity: string
  entity_id: string | null
  change_json: string
  /** The client address of the request that made the change; null for changes made by the control plane itself. */
  address: string | null
}

/** A running total per target: `status_2xx`, `error_timeout`, `runs_failed`, … (see target-counters-repo.ts). */
export interface TargetCounterRow {
  target_id: string
  name: string
  value: number
}

export interface AlertRuleRow {
  id: string
  name: string
  condition: string
  k: number
  m: number
  severity: 'critical' | 'warning' | 'info'
  labels_json: string
  description: string
  target_id: string | null
  selector_json: string
  enabled: number
  built_in: number
  created_at: number
  updated_at: number
}

export interface AlertChannelRow {
  id: string
  name: string
  type: 'webhook' | 'slack' | 'alertmanager'
  url: string
  /** HMAC key of webhook channels; never leaves the server except as a signature. */
  secret: string | null
  enabled: number
  send_resolved: number
  group_wait_ms: number
  group_interval_ms: number
  repeat_interval_ms: number
  created_at: number
  updated_at: number
}

export interface AlertSilenceRow {
  id: string
  matchers_json: string
  starts_at: number
  ends_at: number
  comment: string
  created_by: string
  created_at: number
}

export interface AlertRow {
  id: string
  fingerprint: string
  rule_id: string
  target_id: string
  state: 'pending' | 'firing' | 'resolved'
  severity: 'critical' | 'warning' | 'info'
  labels_json: string
  annotations_json: string
  pending_at: number
  firing_at: number | null
  resolved_at: number | null
  updated_at: number
}

export interface AlertGroupRow {
  channel_id: string
  group_key: string
  /** Notifications created for this group so far; part of each one's idempotency key. */
  seq: number
  /** JSON array of the fingerprints last notified as firing. */
  notified_json: string
  last_notified_at: number
}

export interface AlertNotificationRow {
  /** The idempotency key: channel, group and sequence number. */
  id: string
  channel_id: string
  group_key: string
  status: 'firing' | 'resolved'
  /** The exact body to send (and sign), rendered for the channel's type when the notification was created. */
  body: string
  state: 'pending' | 'delivered' | 'failed'
  attempts: number
  next_attempt_at: number
  last_error: string | null
  created_at: number
  delivered_at: number | null
}

/** The control plane's leader lease (PostgreSQL replicas); see leadership/leadership.ts. */
export interface LeaderLeaseRow {
  name: string
  holder: string
  /** Fencing token: one more at every change of holder. bigint: pg returns it as a string. */
  token: number | string
  /** Epoch ms by the database's clock. */
  expires_at: number | string
}

/** An app of a tree, as the latest gate covering it described it. */
export interface AppRow {
  name: string
  parent: string | null
  depends_on_json: string
  /** Children in dependency order. */
  children_json: string
  file: string | null
  /** `[{ name, kind, location }]` of the app's gate tests. */
  tests_json: string
  updated_at: number
}

/** A recorded gate; `evidence` is the file's text as the CLI wrote it. */
export interface GateRow {
  id: string
  app: string
  revision: string | null
  verdict: 'pass' | 'warn' | 'fail' | 'inconclusive'
  mode: 'local' | 'fleet'
  actor: string
  started_at: number
  finished_at: number
  baseline_revision: string | null
  evidence: string
  evidence_sha256: string
  recorded_at: number
}

export interface GateAppRow {
  gate_id: string
  app: string
  /** Order the app ran in. */
  position: number
  status: 'pass' | 'warn' | 'fail' | 'inconclusive' | 'skipped'
  reason: string | null
}

export interface GateRunRow {
  gate_id: string
  app: string
  test: string
  status: 'pass' | 'warn' | 'fail' | 'inconclusive' | 'skipped'
  run_id: string | null
  metrics_json: string
}

/** Someone who signed in through OIDC; `role` is what their groups mapped to at their last sign-in. */
export interface UserRow {
  id: string
  issuer: string
  subject: string
  email: string | null
  name: string | null
  role: 'viewer' | 'editor' | 'admin'
  groups_json: string
  created_at: number
  last_sign_in_at: number
}

/** A dashboard session, by the SHA-256 (hex) of its cookie. */
export interface SessionRow {
  id_hash: string
  user_id: string
  created_at: number
  expires_at: number
  last_seen_at: number
}

/** One test shared by several agents (see migration 0016); times are epoch ms. */
export interface DistributedRunRow {
  id: string
  file: string
  source: string
  agents: number
  sequence: string
  status: 'waiting' | 'running' | 'passed' | 'failed' | 'error'
  planned_ms: number
  thresholds_json: string
  trend_stats_json: string
  created_by: string
  created_at: number
  accept_by: number
  start_at: number | null
  finished_at: number | null
  failure_reason: string | null
  result_json: string | null
}

/** One execution segment of a distributed run and the agent running it. */
export interface RunPartRow {
  run_id: string
  part_index: number
  segment: string
  status: 'open' | 'claimed' | 'accepted' | 'reported' | 'error' | 'lost'
  agent_name: string | null
  accepted_at: number | null
  started_at: number | null
  finished_at: number | null
  error_message: string | null
  requests: number | null
  result_json: string | null
}

/** A page checked in a browser; `check_json` holds its steps and options in the steps file's form. */
export interface BrowserSiteRow {
  id: string
  url: string
  label: string
  check_json: string
  run_interval_ms: number
  enabled: number
  labels_json: string
  created_at: number
  updated_at: number
}

/** One browser check: the status as its agent judged it, the whole result as JSON, the headline figures. */
export interface BrowserRunRow {
  id: string
  site_id: string
  agent_name: string
  status: 'running' | 'passed' | 'failed' | 'error' | 'aborted'
  started_at: number
  finished_at: number | null
  failure_reason: string | null
  result_json: string | null
  lcp_ms: number | null
  cls: number | null
  ttfb_ms: number | null
  load_ms: number | null
  tls_days_until_expiry: number | null
  result_hash: string | null
  reaped_at: number | null
}

/** A check's screenshot, base64. */
export interface BrowserScreenshotRow {
  run_id: string
  format: 'png' | 'jpeg'
  data: string
}

export interface BrowserSiteStartRow {
  agent_name: string
  site_id: string
  last_started_at: number
}

export interface Database {
  apps: AppRow
  gates: GateRow
  gate_apps: GateAppRow
  gate_runs: GateRunRow
  browser_sites: BrowserSiteRow
  browser_runs: BrowserRunRow
  browser_screenshots: BrowserScreenshotRow
  browser_site_starts: BrowserSiteStartRow
  targets: TargetRow
  agents: AgentRow
  runs: RunRow
  distributed_runs: DistributedRunRow
  run_parts: RunPartRow
  agent_target_starts: AgentTargetStartRow
  config: ConfigRow
  audit: AuditRow
  api_tokens: ApiTokenRow
  users: UserRow
  sessions: SessionRow
  target_counters: TargetCounterRow
  run_histograms: RunHistogramRow
  target_baselines: TargetBaselineRow
  changes: ChangeRow
  alert_rules: AlertRuleRow
  alert_channels: AlertChannelRow
  alert_silences: AlertSilenceRow
  alerts: AlertRow
  alert_groups: AlertGroupRow
  alert_notifications: AlertNotificationRow
  leader_leases: LeaderLeaseRow
}
