import http from 'k6/http'
import { check } from 'k6'

export const options = { iterations: 1 }

export default function () {
  const res = http.get(`${__ENV.BASE}/headers`, { headers: { 'X-Trace': 'abc', 'User-Agent': 'my-agent/1' } })
  check(res, {
    'custom header arrives': (r) => r.json('x-trace') === 'abc',
    'user agent set': (r) => r.json('user-agent') === 'my-agent/1',
    'response header canonical': (r) => r.headers['Content-Type'] === 'application/json',
  })
}
