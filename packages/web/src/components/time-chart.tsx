import { useEffect, useRef, useState, type ReactNode } from 'react'
import uPlot from 'uplot'
import { TIME_ZONE, formatDateTime, formatTick } from '../format'

export interface ChartSeries {
  label: string
  color: string
  /** Axis key; series sharing one are drawn against the same axis. */
  scale: string
  values: Array<number | null>
  format: (value: number | null) => string
  /** Canvas dash pattern, e.g. [6, 4]: a secondary figure of the same metric. */
  dash?: number[]
}

/** Where a marker goes over the chart, CSS px within the chart body: its x, and the plot area's top and height. */
export interface MarkerPosition { t: number, left: number, top: number, height: number, chartWidth: number }

/** Things drawn behind the series: run markers (vertical lines), threshold lines and bands, per scale. */
export interface ChartOverlays {
  /** Vertical lines at epoch seconds, e.g. failed runs. */
  marks?: Array<{ t: number, color: string }>
  /** Horizontal lines, e.g. a threshold of `p(95)<500`. */
  lines?: Array<{ scale: string, value: number, color: string, label: string }>
  /** Horizontal bands, e.g. the baseline's usual range. */
  bands?: Array<{ scale: string, from: number, to: number, color: string, label: string, labelColor?: string }>
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
  /** What one point is, for the chart's accessible name: "runs", "buckets". */
  pointNoun?: string
  overlays?: ChartOverlays
  /** Markers drawn over the chart at given times (epoch seconds), e.g. detected changes. */
  renderMarkers?: (positions: MarkerPosition[]) => ReactNode
  /** Times (epoch seconds) of the markers `renderMarkers` draws. */
  markerTimes?: number[]
}

const HEIGHT = 260
// How far (CSS px, horizontally) from a point a click still opens its run.
const CLICK_DISTANCE_PX = 12

/** A uPlot time series; each data point is a run and can be clicked. */
export function TimeChart ({
  title, times, series, window, axes, onPointClick, pointNoun = 'runs', overlays, renderMarkers, markerTimes,
}: TimeChartProps): ReactNode {
  const holder = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const clickRef = useRef(onPointClick)
  const overlaysRef = useRef(overlays)
  const markerTimesRef = useRef(markerTimes)
  const [markerPositions, setMarkerPositions] = useState<MarkerPosition[]>([])
  const shape = series.map((s) => `${s.label}:${s.scale}`).join('|') + axes.map((a) => a.scale).join('|')

  useEffect(() => {
    clickRef.current = onPointClick
  }, [onPointClick])


  // The plot is built once per series layout; later polls only swap its data.
  useEffect(() => {
    const element = holder.current
    if (element === null) return
    const extraMax = (scale: string): number => Math.max(0,
      ...(overlaysRef.current?.lines ?? []).filter((l) => l.scale === scale).map((l) => l.value),
      ...(overlaysRef.current?.bands ?? []).filter((b) => b.scale === scale).map((b) => b.to))
    const options = optionsFor({ series, axes, width: element.clientWidth, extraMax })
    options.hooks = {
      drawClear: [(u) => { drawOverlays(u, overlaysRef.current) }],
      draw: [(u) => {
        const { offsetLeft: left, offsetTop: top, clientHeight: height } = u.over
        const chartWidth = element.clientWidth
        const next = (markerTimesRef.current ?? [])
          .filter((t) => t >= (u.scales.x?.min ?? -Infinity) && t <= (u.scales.x?.max ?? Infinity))
          .map((t) => ({ t, left: left + u.valToPos(t, 'x'), top, height, chartWidth }))
        setMarkerPositions((old) => (JSON.stringify(old) === JSON.stringify(next) ? old : next))
      }],
    }
    const u = new uPlot(options, [[]], element)
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
    // Overlays take part in the y ranges (a threshold line may lie above every run), so they go with the data.
    overlaysRef.current = overlays
    markerTimesRef.current = markerTimes
    const u = plot.current
    if (u === null) return
    u.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData, true)
    u.setScale('x', { min: window[0], max: window[1] })
  }, [times, series, window, overlays, markerTimes, shape])

  return (
    <figure className="chart">
      <figcaption className="chart-title">{title} <span className="chart-zone">times in {TIME_ZONE}</span></figcaption>
      <div className="chart-body">
        <div ref={holder} className="chart-canvas" role="img" aria-label={`${title} chart, ${times.length} ${pointNoun}`} />
        {renderMarkers?.(markerPositions)}
      </div>
      {times.length === 0 && <p className="chart-empty muted">No finished runs in this period.</p>}
    </figure>
  )
}

/** Paints bands, threshold lines and run marks under the series (uPlot's drawClear: after clearing, before series). */
function drawOverlays (u: uPlot, overlays: ChartOverlays | undefined): void {
  if (overlays === undefined) return
  const { ctx } = u
  const { left, top, width, height } = u.bbox
  const px = window.devicePixelRatio || 1
  ctx.save()
  ctx.beginPath()
  ctx.rect(left, top, width, height)
  ctx.clip()
  for (const band of overlays.bands ?? []) {
    if (u.scales[band.scale] === undefined) continue
    const y1 = u.valToPos(band.to, band.scale, true)
    const y2 = u.valToPos(band.from, band.scale, true)
    // A band of near-identical runs is still drawn a few pixels high, so it stays visible.
    const h = Math.max(Math.abs(y2 - y1), 4 * px)
    const y = (y1 + y2) / 2 - h / 2
    ctx.fillStyle = band.color
    ctx.fillRect(left, y, width, h)
    ctx.fillStyle = band.labelColor ?? band.color
    ctx.font = `${11 * px}px system-ui, sans-serif`
    ctx.textAlign = 'right'
    ctx.fillText(band.label, left + width - 6 * px, y - 4 * px)
    ctx.textAlign = 'left'
  }
  for (const mark of overlays.marks ?? []) {
    const x = u.valToPos(mark.t, 'x', true)
    ctx.fillStyle = mark.color
    ctx.fillRect(x - px, top, 2 * px, height)
  }
  ctx.font = `${11 * px}px system-ui, sans-serif`
  for (const line of overlays.lines ?? []) {
    if (u.scales[line.scale] === undefined) continue
    const y = Math.round(u.valToPos(line.value, line.scale, true))
    ctx.strokeStyle = line.color
    ctx.lineWidth = 1.5 * px
    ctx.setLineDash([6 * px, 4 * px])
    ctx.beginPath()
    ctx.moveTo(left, y)
    ctx.lineTo(left + width, y)
    ctx.stroke()
    ctx.fillStyle = line.color
    ctx.fillText(line.label, left + 6 * px, y - 4 * px)
  }
  ctx.restore()
}

function optionsFor ({ series, axes, width, extraMax }: {
  series: ChartSeries[], axes: TimeChartProps['axes'], width: number, extraMax: (scale: string) => number
}): uPlot.Options {
  const scales: uPlot.Scales = { x: { time: true } }
  for (const axis of axes) {
    // Latency, rates and throughput start at zero, so a small change does not look like a cliff.
    // Threshold lines and bands stay in view even when every run is far below them.
    scales[axis.scale] = {
      range: (_u, _min, dataMax) => {
        const max = Math.max(dataMax, extraMax(axis.scale))
        return [0, max > 0 ? max * 1.1 : 1]
      },
    }
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
        width: s.dash === undefined ? 2 : 1.5,
        ...(s.dash === undefined ? {} : { dash: s.dash }),
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
