import http from 'k6/http'

export const options = { iterations: 2, thresholds: { http_req_failed: ['rate==0'] } }

http.setResponseCallback(http.expectedStatuses(200, { min: 404, max: 404 }))

export default function () {
  http.get(`${__ENV.BASE}/status/404`)
  http.get(`${__ENV.BASE}/status/500`, { responseCallback: http.expectedStatuses(500) })
}
