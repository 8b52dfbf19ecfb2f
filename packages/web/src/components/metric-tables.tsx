import type { ReactNode } from 'react'
import type { MetricView } from '../summary-view'
import { DASH, formatBytes, formatCount, formatMs, formatPercent, formatRate } from '../format'

// k6 calls a rate's non-zero samples "passes": for http_req_failed those are the failed requests.
const RATE_HINT = 'Samples that were true (k6: passes) and false (k6: fails)'
const TREND_COLUMNS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'] as const

function formatValue (metric: MetricView, value: number | undefined): string {
  if (value === undefined) return DASH
  if (metric.contains === 'time') return formatMs(value)
  if (metric.contains === 'data') return formatBytes(value)
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(2)
}

/** Every metric of a run, grouped by k6 metric type, with k6's own column names. */
export function MetricTables ({ metrics }: { metrics: MetricView[] }): ReactNode {
  const of = (type: MetricView['type']): MetricView[] => metrics.filter((m) => m.type === type)
  const trends = of('trend')
  const counters = of('counter')
  const rates = of('rate')
  const gauges = of('gauge')
  return (
    <>
      {trends.length > 0 && (
        <div className="table-wrap">
          <table className="table compact stack-sm">
            <caption>Trends</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                {TREND_COLUMNS.map((col) => <th key={col} scope="col" className="num">{col}</th>)}
              </tr>
            </thead>
            <tbody>
              {trends.map((m) => (
                <tr key={m.name}>
                  <th scope="row" className="mono">{m.name}</th>
                  {TREND_COLUMNS.map((col) => (
                    <td key={col} className="num" data-label={col}>{formatValue(m, m.values[col])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="grid-2">
        {counters.length > 0 && (
          <div className="table-wrap">
            <table className="table compact">
              <caption>Counters</caption>
              <thead><tr><th scope="col">Metric</th><th scope="col" className="num">Count</th><th scope="col" className="num">Rate</th></tr></thead>
              <tbody>
                {counters.map((m) => (
                  <tr key={m.name}>
                    <th scope="row" className="mono">{m.name}</th>
                    <td className="num">{formatValue(m, m.values.count)}</td>
                    <td className="num">{m.contains === 'data'
                      ? `${formatBytes(m.values.rate)}/s`
                      : formatRate(m.values.rate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {rates.length > 0 && (
          <div className="table-wrap">
            <table className="table compact">
              <caption>Rates</caption>
              <thead><tr><th scope="col">Metric</th><th scope="col" className="num">Rate</th><th scope="col" className="num" title={RATE_HINT}>True</th><th scope="col" className="num" title={RATE_HINT}>False</th></tr></thead>
              <tbody>
                {rates.map((m) => (
                  <tr key={m.name}>
                    <th scope="row" className="mono">{m.name}</th>
                    <td className="num">{formatPercent(m.values.rate)}</td>
                    <td className="num">{formatCount(m.values.passes)}</td>
                    <td className="num">{formatCount(m.values.fails)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {gauges.length > 0 && (
          <div className="table-wrap">
            <table className="table compact">
              <caption>Gauges</caption>
              <thead><tr><th scope="col">Metric</th><th scope="col" className="num">Value</th><th scope="col" className="num">Min</th><th scope="col" className="num">Max</th></tr></thead>
              <tbody>
                {gauges.map((m) => (
                  <tr key={m.name}>
                    <th scope="row" className="mono">{m.name}</th>
                    <td className="num">{formatValue(m, m.values.value)}</td>
                    <td className="num">{formatValue(m, m.values.min)}</td>
                    <td className="num">{formatValue(m, m.values.max)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </>
  )
}
