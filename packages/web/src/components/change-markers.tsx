import { useEffect, useId, useState, type ReactNode } from 'react'
import type { Change } from '@loadfleet/api/client'
import { formatDateTime, formatMs, formatPercent, formatRate } from '../format'
import { Link, paths } from '../router'
import type { MarkerPosition } from './time-chart'

/** The changes that started at one run: one marker on the chart. */
export interface ChangeGroup {
  /** Epoch seconds: where the chart draws the run the changes started at. */
  t: number
  runId: string
  changes: Change[]
}

// Metrics measured on the latency chart; failure counts and throughput are marked on the health chart.
const LATENCY_METRICS = new Set(['p50', 'p95', 'p99', 'latency_distribution'])
const METRIC_NAMES: Record<string, string> = {
  latency_distribution: 'latency distribution', error_rate: 'failed requests', status_5xx: '5xx responses',
  status_4xx: '4xx responses', error_timeout: 'timeouts', error_refused: 'refused connections',
  error_reset: 'connection resets', error_dns: 'DNS failures', error_tls: 'TLS failures', throughput: 'throughput',
}

/** What the detector explains a change with (`Change.details`); read defensively, it is stored JSON. */
interface Explained {
  baseline: { median: number, p95: number } | null
  recent: { median: number, p95: number } | null
  relativeChange: number | null
  pValue: number | null
  effectSize: { name: string, value: number } | null
  unit: string
  baselineRuns: number | null
  recentRuns: number | null
  explanation: string
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const figures = (v: unknown): { median: number, p95: number } | null => {
  const o = v as { median?: unknown, p95?: unknown } | null | undefined
  const median = num(o?.median)
  const p95 = num(o?.p95)
  return median === null || p95 === null ? null : { median, p95 }
}

function explained (change: Change): Explained {
  const d = change.details
  const effect = d.effectSize as { name?: unknown, value?: unknown } | undefined
  const effectValue = num(effect?.value)
  return {
    baseline: figures(d.baseline),
    recent: figures(d.recent),
    relativeChange: num(d.relativeChange),
    pValue: num(d.pValue),
    effectSize: effectValue === null || typeof effect?.name !== 'string' ? null : { name: effect.name, value: effectValue },
    unit: typeof d.unit === 'string' ? d.unit : '',
    baselineRuns: Array.isArray(d.baselineRunIds) ? d.baselineRunIds.length : null,
    recentRuns: Array.isArray(d.recentRunIds) ? d.recentRunIds.length : null,
    explanation: typeof d.explanation === 'string' ? d.explanation : '',
  }
}

const POP_WIDTH_PX = 320

export const metricName = (metric: string): string => METRIC_NAMES[metric] ?? metric

function formatValue (value: number, unit: string): string {
  if (unit === 'ms') return formatMs(value)
  if (unit === 'ratio') return formatPercent(value)
  if (unit === 'req/s') return formatRate(value)
  return value.toFixed(2)
}

/** "+490 %", "−35 %". */
export function formatChange (ratio: number | null): string {
  if (ratio === null) return '—'
  const pct = Math.round(ratio * 100)
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toLocaleString('en-US')} %`
}

// Tiny p-values read better in scientific notation; 0.0123 does not.
const formatP = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toFixed(3))

/** The changes of a site split by chart and grouped by the run they started at, in time order. */
export function changeGroups (changes: Change[], timeOfRun: (runId: string) => number | undefined):
{ latency: ChangeGroup[], health: ChangeGroup[] } {
  const group = (list: Change[]): ChangeGroup[] => {
    const byRun = new Map<string, ChangeGroup>()
    for (const change of list) {
      const t = timeOfRun(change.startedRunId) ?? Date.parse(change.startedAt) / 1000
      const entry = byRun.get(change.startedRunId) ?? { t, runId: change.startedRunId, changes: [] }
      entry.changes.push(change)
      byRun.set(change.startedRunId, entry)
    }
    return [...byRun.values()].sort((a, b) => a.t - b.t)
  }
  return {
    latency: group(changes.filter((c) => LATENCY_METRICS.has(c.metric))),
    health: group(changes.filter((c) => !LATENCY_METRICS.has(c.metric))),
  }
}

function summaryOf (changes: Change[]): string {
  const parts = changes.map((c) => `${metricName(c.metric)} ${formatChange(explained(c).relativeChange)}`)
  const open = changes.some((c) => c.state === 'open')
  return `${parts.join(', ')}${open ? '' : ` (${changes[0]?.state ?? ''})`}`
}

/** One detected change: before → after, relative change, p-value and effect size, and the detector's sentence. */
function ChangeExplanation ({ change }: { change: Change }): ReactNode {
  const e = explained(change)
  return (
    <li className="change-item">
      <div className="change-head">
        <strong>{metricName(change.metric)}</strong> {change.direction === 'increase' ? 'rose' : 'fell'}{' '}
        <span className={change.state === 'open' ? 'change-delta bad' : 'change-delta'}>{formatChange(e.relativeChange)}</span>
        {change.state !== 'open' && <span className="muted"> · {change.state}</span>}
      </div>
      <dl className="change-figures">
        {e.baseline !== null && <><dt>Before</dt><dd>{formatValue(e.baseline.median, e.unit)}
          {e.baselineRuns !== null && <span className="muted"> median of {e.baselineRuns} runs</span>}</dd></>}
        {e.recent !== null && <><dt>After</dt><dd>{formatValue(e.recent.median, e.unit)}
          {e.recentRuns !== null && <span className="muted"> median of {e.recentRuns} runs</span>}</dd></>}
        {e.pValue !== null && <><dt>p-value</dt><dd>{formatP(e.pValue)}</dd></>}
        {e.effectSize !== null && <><dt>Effect size</dt><dd>{e.effectSize.name} {e.effectSize.value.toFixed(2)}</dd></>}
      </dl>
      {e.explanation !== '' && <p className="change-sentence">{e.explanation}</p>}
    </li>
  )
}

// Flags closer than this (CSS px) share one, so none hides another: two changes a run apart on a day's chart.
const FLAG_SPACING_PX = 22

/** One flag on the chart: the changes of one run, or of runs too close together to flag apart. */
interface Flag { position: MarkerPosition, groups: ChangeGroup[] }

function flagsOf (groups: ChangeGroup[], positions: MarkerPosition[]): Flag[] {
  const placed = positions
    .flatMap((position) => {
      const group = groups.find((g) => g.t === position.t)
      return group === undefined ? [] : [{ position, group }]
    })
    .sort((a, b) => a.position.left - b.position.left)
  const flags: Flag[] = []
  for (const { position, group } of placed) {
    const last = flags.at(-1)
    if (last !== undefined && position.left - last.position.left < FLAG_SPACING_PX) last.groups.push(group)
    else flags.push({ position, groups: [group] })
  }
  return flags
}

/** The changes that started at one run, with a link to it. */
function GroupExplanation ({ group }: { group: ChangeGroup }): ReactNode {
  return (
    <section className="change-group">
      <span className="muted small">Started {formatDateTime(group.t * 1000)}</span>
      <ul className="change-list">
        {group.changes.map((change) => <ChangeExplanation key={change.id} change={change} />)}
      </ul>
      <Link to={paths.run(group.runId)}>First run after the change →</Link>
    </section>
  )
}

/**
 * Flags over a chart at the runs where detected changes started, with a line down the plot. Hovering or focusing a
 * flag shows its explanation; a click keeps it open (and a second click, Escape or × closes it).
 */
export function ChangeMarkers ({ groups, positions }: {
  groups: ChangeGroup[], positions: MarkerPosition[]
}): ReactNode {
  const id = useId()
  const [pinned, setPinned] = useState<string | null>(null)
  const [hovered, setHovered] = useState<string | null>(null)

  const anyOpen = pinned !== null || hovered !== null
  useEffect(() => {
    if (!anyOpen) return
    // Escape closes the explanation, even while the pointer still rests on its flag.
    const close = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return
      setPinned(null)
      setHovered(null)
    }
    window.addEventListener('keydown', close)
    return () => { window.removeEventListener('keydown', close) }
  }, [anyOpen])

  return (
    <div className="change-markers">
      {flagsOf(groups, positions).map(({ position, groups: flagged }) => {
        const key = flagged[0]?.runId ?? String(position.t)
        const open = pinned === key || hovered === key
        const popId = `${id}-${key}`
        const changes = flagged.flatMap((g) => g.changes)
        const active = changes.some((c) => c.state === 'open')
        const summary = summaryOf(changes)
        // Centred on the marker where there is room, else shifted to stay inside the chart (phone width too).
        const width = Math.min(POP_WIDTH_PX, position.chartWidth - 8)
        const room = position.chartWidth - 4 - width - position.left
        const offset = Math.min(Math.max(-width / 2, 4 - position.left), room)
        return (
          <div key={key} className={`change-marker${active ? ' active' : ''}`}
            style={{ left: position.left, top: position.top, height: position.height }}
            onMouseEnter={() => { setHovered(key) }} onMouseLeave={() => { setHovered(null) }}>
            <button type="button" className="change-flag" aria-expanded={open} aria-controls={open ? popId : undefined}
              aria-label={`Change at ${formatDateTime(position.t * 1000)}: ${summary}`} title={summary}
              onFocus={() => { setHovered(key) }} onBlur={() => { setHovered(null) }}
              onClick={() => { setPinned((old) => (old === key ? null : key)) }}>
              <span aria-hidden="true">!</span>
            </button>
            {open && (
              <div id={popId} role="dialog" aria-label={`Change details: ${summary}`}
                className="change-pop" style={{ width, left: offset }}>
                <div className="change-pop-head">
                  <strong>{changes.length === 1 ? 'Detected change' : 'Detected changes'}</strong>
                  {pinned === key && (
                    <button type="button" className="change-close" aria-label="Close"
                      onClick={() => { setPinned(null) }}>×</button>
                  )}
                </div>
                {flagged.map((group) => <GroupExplanation key={group.runId} group={group} />)}
              </div>
            )}
          </div>
        )
      })}
    </div>
  )
}
