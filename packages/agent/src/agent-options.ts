import { hostname } from 'node:os'
import {
  AGENT_NAME_MAX_CHARS, AGENT_NAME_PATTERN, HEARTBEAT_INTERVAL_MS_MAX, HEARTBEAT_INTERVAL_MS_MIN, isHttpUrl,
} from '@loadfleet/api/client'
import { parseDurationMs } from '@loadfleet/core/base'
import { createEgressPolicy, type EgressPolicy } from '@loadfleet/core/egress'
import { createLogger, logFormatOf, type Logger } from './logger.js'
import { DEFAULT_DELIVERY_MAX_ATTEMPTS } from './deliverer.js'

/** Everything an agent needs; `agentOptionsFromEnv` fills it from the environment variables of the guide. */
export interface AgentOptions {
  /** DASHBOARD_URL: base URL of the control plane. */
  dashboardUrl: string
  /** DASHBOARD_SECRET: the enrolment secret this agent registers with. Never logged. */
  dashboardSecret: string
  /** AGENT_NAME: identity of this agent (upsert key); the host/pod name by default. */
  agentName: string
  pollIntervalMs: number
  heartbeatIntervalMs: number
  /** K6_BINARY: runs go through k6 when this file exists, the built-in engine otherwise. */
  k6Binary?: string
  /** TMP_DIR: the only place the agent writes (spool, k6 scripts and summaries). */
  tmpDir: string
  /** K6_VUS / K6_DURATION: defaults a target may override. */
  defaultVus: number
  defaultDurationMs: number
  /** MAX_CONCURRENT_RUNS: runs at once; 1 keeps measurements from disturbing each other. */
  maxConcurrentRuns: number
  /** DELIVERY_MAX_ATTEMPTS: a result the control plane keeps failing on (5xx) is dead-lettered after this many. */
  deliveryMaxAttempts?: number
  /** AGENT_MAX_VUS: a target asking for more VUs is refused (reported as an `error` run). */
  maxVus: number
  /** AGENT_MAX_DURATION: a target running longer is refused (reported as an `error` run). */
  maxDurationMs: number
  /** TARGET_ALLOW / TARGET_DENY: checked before each run and on every connection, after DNS resolution. */
  egress?: EgressPolicy
  version?: string
  /** LOADFLEET_PARENT_PID (set by the process scaler): stop once this process is no longer our parent. */
  parentPid?: number
  logger?: Logger
  /** How long a flush of undelivered results may take on shutdown. */
  shutdownFlushMs?: number
  /** Per-request timeout towards the control plane. */
  requestTimeoutMs?: number
  /** AGENT_KIND: `load` runs the load sites; `browser` runs the browser sites' checks in Chromium. */
  kind?: 'load' | 'browser'
  /** CHROMIUM_PATH: the browser a browser agent drives (default /usr/bin/chromium). */
  chromiumPath?: string
}

type Env = Record<string, string | undefined>

// One agent's default ceiling: 1,000 sleeping VUs fit in about 110 MB; a run of 15 minutes is far beyond a check.
const DEFAULT_MAX_VUS = 1000
const DEFAULT_MAX_DURATION_MS = 15 * 60_000

/** Reads the agent settings from the environment; `errors` names each bad variable and what was expected. */
export function agentOptionsFromEnv (env: Env): { options?: AgentOptions, errors: string[] } {
  const errors: string[] = []
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') return fallback
    const value = Number(raw)
    if (Number.isInteger(value) && value >= min && value <= max) return value
    errors.push(`${name}=${JSON.stringify(raw)}: expected an integer ≥ ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` and ≤ ${max}`}`)
    return fallback
  }
  const dashboardUrl = env.DASHBOARD_URL ?? 'http://localhost:3000'
  if (!isHttpUrl(dashboardUrl)) errors.push('DASHBOARD_URL: expected an http:// or https:// URL')
  const dashboardSecret = env.DASHBOARD_SECRET ?? ''
  if (dashboardSecret === '') errors.push('DASHBOARD_SECRET: expected the control plane\'s enrolment secret')
  const agentName = nonEmpty(env.AGENT_NAME) ?? hostname()
  if (!AGENT_NAME_PATTERN.test(agentName)) {
    errors.push(`AGENT_NAME=${JSON.stringify(agentName)}: expected letters, digits, ".", "_" or "-" (at most ${AGENT_NAME_MAX_CHARS})`)
  }
  const rawDuration = nonEmpty(env.K6_DURATION) ?? '30s'
  const defaultDurationMs = parseDurationMs(rawDuration)
  if (defaultDurationMs === undefined || defaultDurationMs < 1000) {
    errors.push(`K6_DURATION=${JSON.stringify(rawDuration)}: expected a duration of at least 1s such as "30s" or "1m"`)
  }
  const rawMaxDuration = nonEmpty(env.AGENT_MAX_DURATION) ?? '15m'
  const maxDurationMs = parseDurationMs(rawMaxDuration)
  if (maxDurationMs === undefined || maxDurationMs < 1000) {
    errors.push(`AGENT_MAX_DURATION=${JSON.stringify(rawMaxDuration)}: expected a duration of at least 1s such as "15m"`)
  }
  const egress = createEgressPolicy({ allow: env.TARGET_ALLOW, deny: env.TARGET_DENY })
  errors.push(...egress.errors)
  const options: AgentOptions = {
    dashboardUrl,
    dashboardSecret,
    agentName,
    pollIntervalMs: int('POLL_INTERVAL_MS', 5000, 100),
    heartbeatIntervalMs: int('HEARTBEAT_INTERVAL_MS', 30_000, HEARTBEAT_INTERVAL_MS_MIN, HEARTBEAT_INTERVAL_MS_MAX),
    tmpDir: nonEmpty(env.TMP_DIR) ?? '/tmp',
    defaultVus: int('K6_VUS', 1, 1),
    defaultDurationMs: defaultDurationMs ?? 30_000,
    maxConcurrentRuns: int('MAX_CONCURRENT_RUNS', 1, 1),
    deliveryMaxAttempts: int('DELIVERY_MAX_ATTEMPTS', DEFAULT_DELIVERY_MAX_ATTEMPTS, 1, 1000),
    maxVus: int('AGENT_MAX_VUS', DEFAULT_MAX_VUS, 1),
    maxDurationMs: maxDurationMs ?? DEFAULT_MAX_DURATION_MS,
    egress: egress.policy,
    logger: createLogger({ format: logFormatOf(env, process.stderr.isTTY) }),
  }
  const parentPid = Number(env.LOADFLEET_PARENT_PID)
  if (Number.isInteger(parentPid) && parentPid > 0) options.parentPid = parentPid
  const kind = nonEmpty(env.AGENT_KIND) ?? 'load'
  if (kind === 'browser') options.kind = 'browser'
  else if (kind !== 'load') errors.push(`AGENT_KIND=${JSON.stringify(kind)}: expected load or browser`)
  const chromiumPath = nonEmpty(env.CHROMIUM_PATH)
  if (chromiumPath !== undefined) options.chromiumPath = chromiumPath
  const k6Binary = nonEmpty(env.K6_BINARY)
  if (k6Binary !== undefined) options.k6Binary = k6Binary
  return errors.length > 0 ? { errors } : { options, errors }
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
