import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const res = http.get(`${__ENV.BASE}/slow`, { timeout: '50ms' })
  check(res, {
    'status 0': (r) => r.status === 0,
    'timeout code': (r) => r.error_code === 1050,
    'error text': (r) => r.error !== '',
  })
}
