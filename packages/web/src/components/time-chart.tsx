import { useEffect, useRef, type ReactNode } from 'react'
import uPlot from 'uplot'
import { TIME_ZONE, formatDateTime, formatTick } from '../format'

export interface ChartSeries {
  label: string
  color: string
  /** Axis key; series sharing one are drawn against the same axis. */
  scale: string
  values: Array<number | null>
  format: (value: number | null) => string
}

interface TimeChartProps {
  title: string
  /** Epoch seconds, ascending (uPlot's time unit). */
  times: number[]
  series: ChartSeries[]
  /** Visible window, epoch seconds. */
  window: [number, number]
  /** Axis labels per scale key; the second scale (if any) goes on the right. */
  axes: Array<{ scale: string, format: (value: number) => string }>
  onPointClick?: (index: number) => void
}

const HEIGHT = 260
// How far (CSS px, horizontally) from a point a click still opens its run.
const CLICK_DISTANCE_PX = 12

/** A uPlot time series; each data point is a run and can be clicked. */
export function TimeChart ({ title, times, series, window, axes, onPointClick }: TimeChartProps): ReactNode {
  const holder = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const clickRef = useRef(onPointClick)
  const shape = series.map((s) => `${s.label}:${s.scale}`).join('|') + axes.map((a) => a.scale).join('|')

  useEffect(() => {
    clickRef.current = onPointClick
  }, [onPointClick])

  // The plot is built once per series layout; later polls only swap its data.
  useEffect(() => {
    const element = holder.current
    if (element === null) return
    const u = new uPlot(optionsFor({ series, axes, width: element.clientWidth }), [[]], element)
    plot.current = u
    u.over.addEventListener('click', (event) => {
      // From the click itself, not u.cursor: the cursor catches up with the mouse a frame later.
      const left = event.clientX - u.over.getBoundingClientRect().left
      const index = u.posToIdx(left)
      const time = u.data[0][index]
      // Open the nearest run only when the click was actually near its point.
      if (time !== undefined && Math.abs(u.valToPos(time, 'x') - left) <= CLICK_DISTANCE_PX) clickRef.current?.(index)
    })
    const observer = new ResizeObserver(() => { u.setSize({ width: element.clientWidth, height: HEIGHT }) })
    observer.observe(element)
    return () => {
      observer.disconnect()
      u.destroy()
      plot.current = null
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt only when the layout (shape) changes
  }, [shape])

  useEffect(() => {
    const u = plot.current
    if (u === null) return
    u.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData, true)
    u.setScale('x', { min: window[0], max: window[1] })
  }, [times, series, window])

  return (
    <figure className="chart">
      <figcaption className="chart-title">{title} <span className="chart-zone">times in {TIME_ZONE}</span></figcaption>
      <div ref={holder} className="chart-canvas" role="img" aria-label={`${title} chart, ${times.length} runs`} />
      {times.length === 0 && <p className="chart-empty muted">No finished runs in this period.</p>}
    </figure>
  )
}

function optionsFor ({ series, axes, width }: { series: ChartSeries[], axes: TimeChartProps['axes'], width: number }):
uPlot.Options {
  const scales: uPlot.Scales = { x: { time: true } }
  for (const axis of axes) {
    // Latency, rates and throughput start at zero, so a small change does not look like a cliff.
    scales[axis.scale] = { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }
  }
  return {
    width: Math.max(width, 200),
    height: HEIGHT,
    scales,
    legend: { live: true },
    // No drag-to-zoom: the next poll would reset it, and uPlot swallows clicks it mistakes for the end of a drag.
    cursor: {
      points: { size: 8 },
      focus: { prox: 24 },
      drag: { x: false, y: false, setScale: false, click: () => undefined },
    },
    series: [
      // The hovered run's time, as everywhere else: 24 h with the zone.
      { value: (_u, value) => (value === null ? '—' : formatDateTime(value * 1000)) },
      ...series.map((s): uPlot.Series => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        scale: s.scale,
        spanGaps: true,
        points: { show: true, size: 6, fill: s.color },
        value: (_u, value) => s.format(value),
      })),
    ],
    axes: [
      {
        stroke: '#5b6472',
        grid: { stroke: '#eceef2' },
        ticks: { stroke: '#eceef2' },
        // uPlot's own tick labels are 12 h ("2pm"); ours match the tables.
        values: (_u, splits, _axis, _space, incr) => splits.map((value) => formatTick(value * 1000, incr * 1000)),
      },
      ...axes.map((axis, i): uPlot.Axis => ({
        scale: axis.scale,
        side: i === 0 ? 3 : 1,
        stroke: '#5b6472',
        size: 64,
        grid: { show: i === 0, stroke: '#eceef2' },
        ticks: { stroke: '#eceef2' },
        values: (_u, splits) => splits.map((value) => axis.format(value)),
      })),
    ],
  }
}
