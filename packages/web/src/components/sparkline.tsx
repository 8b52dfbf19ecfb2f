import type { ReactNode } from 'react'
import { formatMs } from '../format'

const WIDTH = 96
const HEIGHT = 24
const PAD = 2

/**
 * A tiny p95 trend (oldest → newest) as inline SVG; a single point draws as a dot. With `scaleMax`, the scale runs
 * from 0 to it, so sparklines that share one are comparable across rows; without it, from the values' own range.
 */
export function Sparkline ({ values, label, scaleMax }: { values: number[], label: string, scaleMax?: number }):
ReactNode {
  if (values.length === 0) return <span className="muted small">no runs yet</span>
  const shared = scaleMax !== undefined && scaleMax > 0
  const max = shared ? scaleMax : Math.max(...values)
  const min = shared ? 0 : Math.min(...values)
  const span = max - min || 1
  const step = values.length > 1 ? (WIDTH - 2 * PAD) / (values.length - 1) : 0
  // A single run sits at the right end, where the newest value always is.
  const points = values.map((value, i) => {
    const x = values.length > 1 ? PAD + i * step : WIDTH - PAD
    const y = HEIGHT - PAD - ((value - min) / span) * (HEIGHT - 2 * PAD)
    return [x, values.length > 1 ? y : HEIGHT / 2] as const
  })
  const last = points[points.length - 1] ?? [0, 0]
  const description = `${label}: ${values.length} runs, from ${formatMs(values[0])} to ${formatMs(values.at(-1))}` +
    `; scale ${formatMs(min)} to ${formatMs(max)}`
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img"
      aria-label={description}>
      <title>{description}</title>
      {points.length > 1 && (
        <polyline fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round"
          points={points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')} />
      )}
      <circle cx={last[0]} cy={last[1]} r="2.2" fill="currentColor" />
    </svg>
  )
}
