import http from 'k6/http'
import { check } from 'k6'
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js'

export const options = { iterations: 2, thresholds: { http_reqs: ['count==2'] } }

export default function () {
  check(http.get(`${__ENV.BASE}/ok`), { 'ok': (r) => r.status === 200 })
}

export function handleSummary (data) {
  return {
    stdout: textSummary(data, { indent: ' ', enableColors: false }),
    'summary.json': JSON.stringify({
      reqs: data.metrics.http_reqs.values.count,
      threshold: data.metrics.http_reqs.thresholds['count==2'].ok,
      checks: data.root_group.checks.map((c) => `${c.name}:${c.passes}/${c.fails}`),
      trendStats: data.options.summaryTrendStats,
    }),
  }
}
