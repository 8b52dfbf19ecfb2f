import http from 'k6/http'
import { check } from 'k6'

export const options = { vus: 1, iterations: 5 }

export default function () {
  const res = http.get(`${__ENV.BASE}/ok`)
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is ok': (r) => r.body === 'ok',
  })
}
